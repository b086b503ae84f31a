import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { CONTINENTS, STRATEGIES, type ApiKey, type App, type Cluster, type Continent, type Project, type StrategyName } from '../../shared/domain/types.ts';
import { findRegion } from '../../shared/domain/regions.ts';
import { resolveRequestRules } from '../../shared/domain/request-rules.ts';
import { isHeaderName } from '../../shared/http/header-name.ts';
import { resolveTokenBudget } from '../../shared/limits/token-budget-config.ts';
import { resolveRoutes } from '../../shared/routes/resolve-routes.ts';
import { hashApiKey, isSha256Hex, isWellFormedKey } from './api-key-hash.ts';
import { formatPath, type ConfigIssue } from './config-issue.ts';
import { corsOriginProblem } from './cors-origin.ts';
import { parseResidency } from './residency.ts';
import { rawApiKey, rawApp, rawCluster, rawProject, SECTIONS, type RawApiKey, type RawApp, type RawCluster, type RawProject } from './raw-schema.ts';
import { missing, references, type References } from './references.ts';
import { NOTHING_STORED, type NOT_READ_YET, type StoredRows } from './stored-rows.ts';
import type { DesiredConfig } from './types.ts';
import { makeLocator } from './yaml-locator.ts';
import { issueProblems, plainWords } from './zod-issue-words.ts';

export type ParseResult =
  | { readonly valid: true; readonly config: DesiredConfig; readonly errors: readonly [] }
  | { readonly valid: false; readonly config: null; readonly errors: readonly ConfigIssue[] };

type Path = readonly PropertyKey[];

/**
 * Parses and validates a config file. Never throws on bad input: every problem is returned at
 * once, each with the file, YAML path and line, so one `apply` run shows everything to fix.
 * References (a key's or app's project, an app's clusters) resolve to rows the file declares or
 * `stored` holds; with NOT_READ_YET, those the file does not declare are left for a second pass.
 */
export function parseConfig(text: string, file: string, stored: StoredRows | typeof NOT_READ_YET = NOTHING_STORED): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locate = makeLocator(doc, lines);
  const errors: ConfigIssue[] = [];
  const report = (path: Path, message: string): void => {
    errors.push({ file, path: formatPath(path), line: locate(path), message });
  };

  for (const e of doc.errors) {
    errors.push({ file, path: '', line: lines.linePos(e.pos[0]).line, message: `YAML syntax: ${e.message.split('\n')[0] ?? e.code}` });
  }
  if (errors.length > 0) return { valid: false, config: null, errors };

  let root: unknown;
  try {
    root = doc.toJS() ?? {};
  } catch (e) {
    // An alias bomb (`Excessive alias count`): said without the file's name before.
    report([], `YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    return { valid: false, config: null, errors };
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    report([], `the config must be a mapping with sections ${SECTIONS.join(', ')}`);
    return { valid: false, config: null, errors };
  }
  const top = root as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!(SECTIONS as readonly string[]).includes(key)) report([key], `unknown section '${key}' (expected ${SECTIONS.join(', ')})`);
  }

  const projects = items(top, 'projects', rawProject, report);
  const apiKeys = items(top, 'apiKeys', rawApiKey, report);
  const clusters = items(top, 'clusters', rawCluster, report);
  const apps = items(top, 'apps', rawApp, report);

  const projectOut = checkProjects(projects, report);
  const clusterOut = checkClusters(clusters, report);
  // References are checked against every declared id, valid or not: an invalid project or
  // cluster has its own error, and calling it missing as well would send the reader astray.
  const refs = references(declaredIds(top, 'projects'), declaredIds(top, 'clusters'), clusterOut, stored);
  const keyOut = checkApiKeys(apiKeys, refs, report);
  const appOut = checkApps(apps, refs, report);

  if (errors.length > 0) return { valid: false, config: null, errors };
  return { valid: true, config: { projects: projectOut, apiKeys: keyOut, clusters: clusterOut, apps: appOut }, errors: [] };
}

type Report = (path: Path, message: string) => void;
interface Item<T> {
  readonly index: number;
  readonly value: T;
}

/** Validates each element of a section on its own; returns the well-shaped ones with their index. */
function items<S extends z.ZodType>(top: Record<string, unknown>, section: string, schema: S, report: Report): Item<z.infer<S>>[] {
  const list = top[section];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    report([section], `'${section}' must be a list`);
    return [];
  }
  const out: Item<z.infer<S>>[] = [];
  list.forEach((el: unknown, index) => {
    const r = schema.safeParse(el, { error: plainWords });
    if (r.success) {
      out.push({ index, value: r.data });
      return;
    }
    for (const p of issueProblems(r.error.issues)) report([section, index, ...p.path], p.message);
    // Without the fields reported above (unknown, or of the wrong shape: `limits: {maxRps: abc}`),
    // the rest still gets its semantic checks and references, so one run shows everything to fix;
    // the config stays invalid. A required field among them leaves nothing to check.
    if (typeof el !== 'object' || el === null || Array.isArray(el)) return;
    const drop = new Set<PropertyKey>();
    for (const i of r.error.issues) {
      if (i.code === 'unrecognized_keys' && i.path.length === 0) i.keys.forEach((k) => drop.add(k));
      else if (i.path[0] !== undefined) drop.add(i.path[0]);
      else return;
    }
    const rest = schema.safeParse(Object.fromEntries(Object.entries(el).filter(([k]) => !drop.has(k))));
    if (rest.success) out.push({ index, value: rest.data });
  });
  return out;
}

/** The string `id`s a section's elements declare, whether or not the elements are valid. */
function declaredIds(top: Record<string, unknown>, section: string): Set<string> {
  const list = top[section];
  const ids = new Set<string>();
  if (!Array.isArray(list)) return ids;
  for (const el of list as unknown[]) {
    const id = typeof el === 'object' && el !== null ? (el as Record<string, unknown>)['id'] : undefined;
    if (typeof id === 'string') ids.add(id);
  }
  return ids;
}

function checkProjects(projects: Item<RawProject>[], report: Report): Project[] {
  const seen = new Set<string>();
  const out: Project[] = [];
  for (const { index, value } of projects) {
    if (seen.has(value.id)) report(['projects', index, 'id'], `duplicate project '${value.id}'`);
    seen.add(value.id);
    const budget = resolveTokenBudget(value.tokenBudget);
    for (const [path, message] of budget.problems) report(['projects', index, 'tokenBudget', ...path], message);
    out.push({ id: value.id, name: value.name ?? value.id, ...(budget.budget === null ? {} : { tokenBudget: budget.budget }) });
  }
  return out;
}

function checkApiKeys(keys: Item<RawApiKey>[], refs: References, report: Report): ApiKey[] {
  const ids = new Set<string>();
  const hashes = new Set<string>();
  const out: ApiKey[] = [];
  for (const { index, value } of keys) {
    const at = (...rest: PropertyKey[]): Path => ['apiKeys', index, ...rest];
    if (ids.has(value.id)) report(at('id'), `duplicate API key id '${value.id}'`);
    ids.add(value.id);
    if (!refs.hasProject(value.project)) report(at('project'), `API key refers to ${missing('project', value.project)}`);
    let hash: string | null = null;
    if ((value.key === undefined) === (value.hash === undefined)) {
      report(at(), "give exactly one of 'key' (plaintext, hashed on apply) or 'hash' (hex SHA-256)");
    } else if (value.key !== undefined) {
      if (isWellFormedKey(value.key)) hash = hashApiKey(value.key);
      else report(at('key'), 'malformed API key: 16-256 characters from A-Z a-z 0-9 . _ ~ + / = -, no spaces');
    } else if (value.hash !== undefined) {
      if (isSha256Hex(value.hash)) hash = value.hash;
      else report(at('hash'), 'malformed hash: expected 64 lowercase hex characters (SHA-256 of the key)');
    }
    if (hash !== null) {
      if (hashes.has(hash)) report(at(), 'the same key is declared twice');
      hashes.add(hash);
      out.push({ id: value.id, projectId: value.project, hash, revoked: value.revoked ?? false });
    }
  }
  return out;
}

function checkClusters(clusters: Item<RawCluster>[], report: Report): Cluster[] {
  const seen = new Set<string>();
  const out: Cluster[] = [];
  for (const { index, value } of clusters) {
    const at = (...rest: PropertyKey[]): Path => ['clusters', index, ...rest];
    if (seen.has(value.id)) report(at('id'), `duplicate cluster '${value.id}'`);
    seen.add(value.id);
    const region = findRegion(value.region);
    if (region === undefined) {
      report(at('region'), `unknown region '${value.region}' (see shared/domain/regions.ts for the known regions)`);
      continue;
    }
    let continent: Continent = region.continent;
    if (value.continent !== undefined) {
      const c = value.continent.toUpperCase();
      const known = CONTINENTS.find((k) => k === c);
      if (known === undefined) report(at('continent'), `unknown continent '${value.continent}' (known: ${CONTINENTS.join(', ')})`);
      else continent = known;
    }
    out.push({
      id: value.id,
      region: region.id,
      continent,
      country: value.country?.toUpperCase() ?? region.country,
      provider: value.provider,
      location: value.location ?? region.location,
      proxyUrl: value.proxyUrl,
      proxyId: value.proxyId,
    });
  }
  return out;
}

function isStrategy(s: string): s is StrategyName {
  return (STRATEGIES as readonly string[]).includes(s);
}

function checkApps(apps: Item<RawApp>[], refs: References, report: Report): App[] {
  const clusters = refs.clusters;
  const seen = new Set<string>();
  const out: App[] = [];
  for (const { index, value } of apps) {
    const at = (...rest: PropertyKey[]): Path => ['apps', index, ...rest];
    const id = `${value.project}/${value.name}`;
    let ok = true;
    const fail = (path: Path, message: string): void => {
      ok = false;
      report(path, message);
    };
    if (seen.has(id)) fail(at('name'), `duplicate app '${id}'`);
    seen.add(id);
    if (!refs.hasProject(value.project)) fail(at('project'), `app refers to ${missing('project', value.project)}`);

    const deployed = new Set<string>();
    value.clusters.forEach((c, i) => {
      if (!refs.hasCluster(c)) fail(at('clusters', i), `app '${id}' refers to ${missing('cluster', c)}`);
      else if (refs.isInvalidCluster(c)) ok = false; // declared, but invalid: its own error says why
      if (deployed.has(c)) fail(at('clusters', i), `cluster '${c}' listed twice`);
      deployed.add(c);
    });
    const excluded = value.excludedClusters ?? [];
    excluded.forEach((c, i) => {
      if (!deployed.has(c)) fail(at('excludedClusters', i), `excluded cluster '${c}' is not in this app's clusters`);
    });
    // As a residency that leaves nothing: the app could never be routed.
    if (deployed.size > 0 && [...deployed].every((c) => excluded.includes(c))) {
      fail(at('excludedClusters'), `excludes every cluster app '${id}' is deployed to, so no request could be routed (leave one in, or remove the app)`);
    }
    for (const c of Object.keys(value.clusterWeights ?? {})) {
      if (!deployed.has(c)) fail(at('clusterWeights', c), `weight for cluster '${c}', which is not in this app's clusters`);
    }

    // Omitted: null, so the edge's ROUTE_DEFAULT_STRATEGY decides (stored as 'default').
    const strategy = value.strategy ?? null;
    if (strategy !== null && !isStrategy(strategy)) fail(at('strategy'), `unknown strategy '${strategy}' (known: ${STRATEGIES.join(', ')})`);
    const affinityHeader = value.affinityHeader?.toLowerCase() ?? null;
    if (affinityHeader !== null && !isHeaderName(affinityHeader)) fail(at('affinityHeader'), `'${value.affinityHeader ?? ''}' is not an HTTP header name (letters, digits and !#$%&'*+-.^_\`|~, at most 64), e.g. x-session-id`);
    (value.corsOrigins ?? []).forEach((o, i) => {
      const problem = corsOriginProblem(o);
      if (problem !== null) fail(at('corsOrigins', i), problem);
    });
    if (strategy === 'consistent-hash' && affinityHeader === null) fail(at('strategy'), "strategy 'consistent-hash' needs an affinityHeader");

    const residency = parseResidency(value.residency);
    if (!residency.ok) fail(at('residency'), residency.message);
    else {
      const allowed = [...deployed].filter((c) => {
        const cl = clusters.get(c);
        if (cl === undefined) return true; // not read yet, or invalid: judged once known
        const r = residency.residency;
        if (r.kind === 'continents') return r.continents.includes(cl.continent);
        if (r.kind === 'regions') return r.regions.includes(cl.region);
        return true;
      });
      if (allowed.length === 0) fail(at('residency'), `residency excludes every cluster app '${id}' is deployed to`);
    }
    const requests = resolveRequestRules(value.requests);
    if (!requests.ok) for (const p of requests.problems) fail(at('requests', ...p.path), p.message);
    const routes = resolveRoutes(value.routes, value.intents, value.clusters);
    if (!routes.ok) for (const p of routes.problems) fail(at(...p.path), p.message);
    if (!routes.ok || !ok || !residency.ok || !requests.ok || (strategy !== null && !isStrategy(strategy))) continue;
    out.push({
      id,
      projectId: value.project,
      name: value.name,
      clusters: value.clusters,
      excludedClusters: excluded,
      residency: residency.residency,
      gpuTypes: value.gpuTypes ?? [],
      strategy,
      affinityHeader,
      authRequired: value.auth ?? true,
      limits: {
        maxConcurrency: value.limits?.maxConcurrency ?? null,
        maxRps: value.limits?.maxRps ?? null,
        scope: value.limits?.scope ?? 'region',
      },
      corsOrigins: value.corsOrigins ?? [],
      clusterWeights: value.clusterWeights ?? {},
      requests: requests.rules,
      ...(routes.routes.routes.length === 0 ? {} : { routes: routes.routes }),
      ...(value.failoverReserve === undefined ? {} : { failoverReserve: value.failoverReserve }),
    });
  }
  return out;
}
