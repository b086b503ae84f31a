/**
 * Where the registry learns endpoints: the store (app_endpoints + apps), or a
 * static JSON/YAML file for setups without a database:
 *   endpoints: [{ cluster, app, url, weight?, slots? }]   (slots: the replica's, for replica-shares.ts)
 *   apps: [{ id, strategy?, affinityHeader?, maxConcurrency?, maxRps?, requests?, routes?, intents? }]
 *   projects: [{ id, tokenBudget? }]   (a budget for all the project's apps together)
 * (`routes`/`intents` as in the control-plane config; only the routes' `limits` matter here)
 * (`requests` as in the control-plane config: functions, maxBodyBytes, forwardAuthorization, …)
 */
import { routeLimits } from '../../shared/routes/route-limits.ts';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { describeProblems, resolveRequestRules } from '../../shared/domain/request-rules.ts';
import { STRATEGIES, type StrategyName } from '../../shared/domain/types.ts';
import { resolveTokenBudget, type TokenBudget } from '../../shared/limits/token-budget-config.ts';
import type { RegistrySource } from './endpoint-registry.ts';
import type { AppSettings, EndpointRow, ProxyStore } from './store.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { parseProblem, unreadableReason } from './file-reasons.ts';

export function storeSource(store: ProxyStore): RegistrySource {
  return {
    async load() {
      const [endpoints, apps] = await Promise.all([store.loadEndpoints(), store.loadAppSettings()]);
      return { endpoints, apps };
    },
    // app_endpoints holds what each cluster's aggregator lists; `apply` never writes replicas.
    listsReplicas: (appId) => `no aggregator reports any: list them under apps: ${appId} in the aggregator config of each cluster named`,
  };
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

/**
 * An optional limit: absent is none; anything else must be a positive number (a whole one when
 * `whole`). A string `"1"` used to mean no limit at all, and a negative rate refused every request.
 */
function optLimit(v: unknown, where: string, whole: boolean, problems: string[]): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v) && v > 0 && (!whole || Number.isInteger(v))) return v;
  problems.push(`${where}: expected ${whole ? 'a whole number ≥ 1' : 'a number > 0'} (or leave it out for no limit), got ${JSON.stringify(v)}`);
  return null;
}

/** A replica URL the proxy can send to: http(s), with a host. */
function urlProblem(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : `expected an http:// or https:// URL, got ${JSON.stringify(url)}`;
  } catch {
    return `expected an http:// or https:// URL, got ${JSON.stringify(url)}`;
  }
}

/** Parse the static endpoints document; throws one error listing every bad entry. */
export function parseStaticEndpoints(doc: unknown): {
  endpoints: EndpointRow[];
  apps: AppSettings[];
} {
  const root = asRecord(doc);
  const problems: string[] = [];
  const endpoints: EndpointRow[] = [];
  const apps: AppSettings[] = [];
  const eps = Array.isArray(root['endpoints']) ? root['endpoints'] : [];
  if (!Array.isArray(root['endpoints'])) problems.push('endpoints: expected a list of {cluster, app, url}');
  eps.forEach((raw, i) => {
    const e = asRecord(raw);
    const { cluster, app, url } = e;
    if (typeof cluster !== 'string' || typeof app !== 'string' || typeof url !== 'string') {
      problems.push(`endpoints[${i}]: needs string cluster, app and url`);
      return;
    }
    const badUrl = urlProblem(url);
    // Every request to it failed as 400 client-invalid, blamed on the client.
    if (badUrl !== null) problems.push(`endpoints[${i}].url: ${badUrl}`);
    const weight = e['weight'] ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) problems.push(`endpoints[${i}].weight: expected a number ≥ 0, got ${JSON.stringify(weight)}`);
    const slots = e['slots'] ?? null;
    const slotsOk = slots === null || (typeof slots === 'number' && Number.isSafeInteger(slots) && slots >= 1);
    if (!slotsOk) problems.push(`endpoints[${i}].slots: expected the replica's slots, a whole number ≥ 1 (or leave it out to learn them), got ${JSON.stringify(slots)}`);
    endpoints.push({
      clusterId: cluster,
      appId: app,
      url,
      healthy: true,
      weight: typeof weight === 'number' ? weight : 1,
      slots: slotsOk ? slots : null,
    });
  });
  const projectBudgets = new Map<string, TokenBudget>();
  (Array.isArray(root['projects']) ? root['projects'] : []).forEach((raw, i) => {
    const p = asRecord(raw);
    const b = resolveTokenBudget(p['tokenBudget']);
    if (typeof p['id'] !== 'string') problems.push(`projects[${i}]: needs a string id`);
    for (const [path, message] of b.problems) problems.push(`projects[${i}].tokenBudget${path.map((k) => `.${k}`).join('')}: ${message}`);
    if (typeof p['id'] === 'string' && b.budget !== null) projectBudgets.set(p['id'], b.budget);
  });
  const appList = Array.isArray(root['apps']) ? root['apps'] : [];
  const seen = new Set<string>();
  appList.forEach((raw, i) => {
    const a = asRecord(raw);
    if (typeof a['id'] === 'string' && seen.has(a['id'])) problems.push(`apps[${i}]: ${a['id']} is listed twice (one entry per app)`);
    if (typeof a['id'] === 'string') seen.add(a['id']);
    const strategy = a['strategy'] ?? 'round-robin';
    if (
      typeof a['id'] !== 'string' ||
      typeof strategy !== 'string' ||
      !(STRATEGIES as readonly string[]).includes(strategy)
    ) {
      problems.push(`apps[${i}]: needs string id and a strategy among ${STRATEGIES.join(', ')}`);
      return;
    }
    const rules = resolveRequestRules(a['requests']);
    if (!rules.ok) {
      problems.push(`apps[${i}].requests: ${describeProblems(rules.problems)}`);
      return;
    }
    const routes = routeLimits(a['routes'], a['intents']);
    if (!routes.ok) {
      problems.push(`apps[${i}].routes: ${routes.problem}`);
      return;
    }
    apps.push({
      appId: a['id'],
      routeLimits: routes.limits,
      strategy: strategy as StrategyName,
      affinityHeader: typeof a['affinityHeader'] === 'string' ? a['affinityHeader'] : null,
      maxConcurrency: optLimit(a['maxConcurrency'], `apps[${i}].maxConcurrency`, true, problems),
      maxRps: optLimit(a['maxRps'], `apps[${i}].maxRps`, false, problems),
      requests: rules.rules,
      projectBudget: projectBudgets.get(projectOfAppId(a['id'])) ?? null,
    });
  });
  if (problems.length > 0) throw new Error(`invalid endpoints file:\n  ${problems.join('\n  ')}`);
  return { endpoints, apps };
}

const ENDPOINTS_SETTING = 'endpointsFile (PROXY_ENDPOINTS_FILE, --endpoints-file)';

/** The endpoints file read and checked; a failure says what is wrong (the caller names the file). */
async function loadEndpointsFile(path: string): Promise<ReturnType<typeof parseStaticEndpoints>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read it (${unreadableReason(err)})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`not valid JSON or YAML: ${parseProblem(err)}`);
  }
  return parseStaticEndpoints(doc);
}

/** A startup error for an endpoints file the proxy cannot use: the setting, the file and why. */
export function endpointsFileError(path: string, reason: unknown): Error {
  return new Error(`${ENDPOINTS_SETTING} ${path}: ${reason instanceof Error ? reason.message : String(reason)}`);
}

/**
 * Loads the endpoints file once at start, every failure a startup error naming the setting and
 * the file (in a cluster, before any worker is forked). The running registry keeps its last good
 * load on a bad reload (a file mid-edit), but a proxy started on a missing or broken file said
 * `proxy ready` and refused every request.
 */
export async function checkEndpointsFile(path: string): Promise<void> {
  await loadEndpointsFile(path).catch((err: unknown) => {
    throw endpointsFileError(path, err);
  });
}

export function staticFileSource(path: string): RegistrySource {
  return { load: () => loadEndpointsFile(path), listsReplicas: (appId) => `the endpoints file ${path} lists none for ${appId} there` };
}
