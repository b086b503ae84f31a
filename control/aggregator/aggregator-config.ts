import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Cluster, GeoPoint } from '../../shared/domain/types.ts';
import { findRegion } from '../../shared/domain/regions.ts';
import { formatPath, type ConfigIssue } from '../config/config-issue.ts';
import { makeLocator } from '../config/yaml-locator.ts';
import { issueProblems, plainWords } from '../config/zod-issue-words.ts';
import type { KubernetesAppSpec } from './kubernetes-capacity.ts';

/** One app's replicas inside this cluster. */
export interface WatchedApp {
  readonly appId: string;
  readonly gpuType: string;
  readonly slotsPerReplica: number;
  /** Base URLs; `/metrics` and `/health` are appended. */
  readonly replicas: readonly string[];
  /** Overrides of the cluster headroom for this app (slots), or null to use it. */
  readonly warm: number | null;
  readonly cold: number | null;
  /**
   * Start-up times (ms) reported until the aggregator has observed start-ups of its own, and the
   * split between warm and cold samples; absent/null = the decision policy's defaults.
   */
  readonly warmStartMs?: number | null;
  readonly coldStartMs?: number | null;
  /**
   * The autoscaler's minimum replicas and scale-down idle window (ms) for this app (e.g. the HPA's
   * minReplicas and scale-down stabilisation): with them the state row says how many replicas are
   * above the minimum and how long an idle one lives; absent = not reported.
   */
  readonly minReplicas?: number | null;
  readonly idleWindowMs?: number | null;
  /** Read the app's replicas (Ready pods) and warm headroom (free GPUs) from the Kubernetes API. */
  readonly kubernetes?: KubernetesAppSpec | null;
}

/** The aggregator's fully defaulted config. */
/**
 * The cluster as its aggregator registers it. The proxy in front of it (`proxyUrl`, `proxyId`)
 * is null when the config leaves it to the fleet config (`switchyard apply`): the aggregator then
 * keeps the proxy the clusters table holds and never re-points the cluster's traffic.
 */
export type AggregatorCluster = Omit<Cluster, 'proxyUrl' | 'proxyId'> & {
  readonly proxyUrl: string | null;
  readonly proxyId: string | null;
};

export interface AggregatorConfig {
  readonly cluster: AggregatorCluster;
  /** Static price per hour by GPU type; `pricesFile` entries override these each interval. */
  readonly gpuPrices: Readonly<Record<string, number>>;
  /** JSON or YAML `{ <gpuType>: <price per hour> }` re-read every interval (spot prices). */
  readonly pricesFile: string | null;
  /** Node headroom in slots: warm = right-GPU nodes that can start a container in seconds, cold = provider headroom. */
  readonly headroom: { readonly warm: number; readonly cold: number };
  readonly apps: readonly WatchedApp[];
  readonly intervalMs: number;
  readonly scrapeTimeoutMs: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** Database location when given in the file; the CLI lets flags and env override it. */
  readonly db: { readonly url: string | null; readonly authToken: string | null };
}

export const DEFAULT_INTERVAL_MS = 1000;
export const DEFAULT_SCRAPE_TIMEOUT_MS = 500;

const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const slots = z.number().int().nonnegative();
const selector = z.string().min(1).regex(/^[^\s]+$/, 'a label selector without spaces, e.g. app=vllm-chat');
const rawKubernetes = z.strictObject({
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name'),
  selector,
  port: z.number().int().min(1).max(65_535),
  scheme: z.enum(['http', 'https']).optional(),
  nodeSelector: selector.optional(),
  gpuResource: z.string().min(1).optional(),
  gpusPerReplica: z.number().int().positive().optional(),
  coldNodeGroups: z
    .strictObject({
      match: z.string().min(1).refine((m) => {
        try {
          new RegExp(m);
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression over node group names, e.g. ^gpu-h100-'),
      gpusPerNode: z.number().int().positive(),
    })
    .optional(),
});
const rawApp = z.strictObject({
  replicas: z.array(url).default([]),
  kubernetes: rawKubernetes.optional(),
  slotsPerReplica: z.number().int().positive(),
  gpuType: z.string().min(1).optional(),
  warm: slots.optional(),
  cold: slots.optional(),
  warmStartMs: z.number().int().positive().max(86_400_000).optional(),
  coldStartMs: z.number().int().positive().max(86_400_000).optional(),
  minReplicas: z.number().int().nonnegative().optional(),
  idleWindowMs: z.number().int().nonnegative().max(86_400_000).optional(),
});
const rawAggregator = z.strictObject({
  cluster: z.strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
    // Checked in the schema, so an unknown region is reported with every other bad field, not a run later.
    region: z.string().refine((r) => findRegion(r) !== undefined, { error: (iss) => `unknown region '${String(iss.input)}' (see shared/domain/regions.ts)` }),
    provider: z.string().min(1),
    proxyUrl: url.optional(),
    proxyId: z.string().min(1).optional(),
    location: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  }),
  gpus: z.record(z.string().min(1), z.number().nonnegative()).optional(),
  pricesFile: z.string().min(1).optional(),
  headroom: z.strictObject({ warm: slots.optional(), cold: slots.optional() }).optional(),
  apps: z.record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'app ids look like project/name'), rawApp),
  intervalMs: z.number().int().min(50).max(3_600_000).optional(),
  scrapeTimeoutMs: z.number().int().min(10).max(60_000).optional(),
  backoff: z.strictObject({ baseMs: z.number().int().positive().optional(), maxMs: z.number().int().positive().optional() }).optional(),
  db: z.strictObject({ url: z.string().min(1).optional(), authToken: z.string().min(1).optional() }).optional(),
});

export type AggregatorConfigResult =
  | { readonly ok: true; readonly config: AggregatorConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

type Locate = (path: readonly PropertyKey[]) => number | null;

/**
 * Validates an aggregator config given as plain data (from YAML or assembled from flags),
 * reporting every bad field at once with its path, so a misconfigured cluster never starts.
 */
export function validateAggregatorConfig(raw: unknown, source: string, locate: Locate = () => null): AggregatorConfigResult {
  const issues: ConfigIssue[] = [];
  const report = (path: readonly PropertyKey[], message: string): void => {
    issues.push({ file: source, path: formatPath(path), line: locate(path), message });
  };
  // In plain words, as apply's and simulate's files (zod-issue-words.ts).
  const parsed = rawAggregator.safeParse(raw, { error: plainWords });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'invalid_key') report(issue.path, `invalid key '${String(issue.path.at(-1))}': ${issue.issues[0]?.message ?? 'not allowed'}`);
      else for (const p of issueProblems([issue])) report(p.path, p.message);
    }
    return { ok: false, issues };
  }
  const r = parsed.data;
  const region = findRegion(r.cluster.region);
  if (region === undefined) report(['cluster', 'region'], `unknown region '${r.cluster.region}' (see shared/domain/regions.ts)`);
  if ((r.cluster.proxyUrl === undefined) !== (r.cluster.proxyId === undefined)) {
    const missing = r.cluster.proxyUrl === undefined ? 'proxyUrl' : 'proxyId';
    report(['cluster', missing], 'set proxyUrl and proxyId together (the proxy in front of this cluster), or neither to keep the proxy `switchyard apply` registered');
  }
  const gpus = r.gpus ?? {};
  const skus = Object.keys(gpus);
  const apps: WatchedApp[] = [];
  for (const [appId, app] of Object.entries(r.apps)) {
    let gpuType = app.gpuType;
    if (gpuType === undefined) {
      if (skus.length === 1 && skus[0] !== undefined) gpuType = skus[0];
      else {
        report(['apps', appId, 'gpuType'], 'required when the cluster does not have exactly one GPU type in gpus');
        continue;
      }
    } else if (r.pricesFile === undefined && !(gpuType in gpus)) {
      report(['apps', appId, 'gpuType'], `GPU type '${gpuType}' has no price in gpus (known: ${skus.join(', ') || 'none'})`);
    }
    if (app.warmStartMs !== undefined && app.coldStartMs !== undefined && app.warmStartMs >= app.coldStartMs) {
      report(['apps', appId, 'warmStartMs'], `must be below coldStartMs (${app.coldStartMs})`);
    }
    if (new Set(app.replicas).size !== app.replicas.length) report(['apps', appId, 'replicas'], 'a replica URL is listed twice');
    if (app.replicas.length === 0 && app.kubernetes === undefined) report(['apps', appId, 'replicas'], 'list the replica URLs, or give a kubernetes block to discover them');
    const k = app.kubernetes;
    apps.push({
      appId,
      gpuType,
      slotsPerReplica: app.slotsPerReplica,
      replicas: app.replicas.map((u) => u.replace(/\/+$/, '')),
      warm: app.warm ?? null,
      cold: app.cold ?? null,
      ...(app.warmStartMs === undefined ? {} : { warmStartMs: app.warmStartMs }),
      ...(app.coldStartMs === undefined ? {} : { coldStartMs: app.coldStartMs }),
      ...(app.minReplicas === undefined ? {} : { minReplicas: app.minReplicas }),
      ...(app.idleWindowMs === undefined ? {} : { idleWindowMs: app.idleWindowMs }),
      ...(k === undefined
        ? {}
        : {
            kubernetes: {
              namespace: k.namespace,
              selector: k.selector,
              port: k.port,
              scheme: k.scheme ?? 'http',
              nodeSelector: k.nodeSelector ?? null,
              gpuResource: k.gpuResource ?? 'nvidia.com/gpu',
              gpusPerReplica: k.gpusPerReplica ?? 1,
              coldNodeGroups: k.coldNodeGroups ?? null,
            },
          }),
    });
  }
  const backoff = { baseMs: r.backoff?.baseMs ?? 250, maxMs: r.backoff?.maxMs ?? 30_000 };
  if (backoff.maxMs < backoff.baseMs) report(['backoff', 'maxMs'], 'must be >= backoff.baseMs');
  const intervalMs = r.intervalMs ?? DEFAULT_INTERVAL_MS;
  const scrapeTimeoutMs = r.scrapeTimeoutMs ?? Math.min(DEFAULT_SCRAPE_TIMEOUT_MS, intervalMs);
  if (scrapeTimeoutMs > intervalMs) report(['scrapeTimeoutMs'], `must not exceed intervalMs (${intervalMs})`);
  if (issues.length > 0 || region === undefined) return { ok: false, issues };
  const location: GeoPoint = r.cluster.location ?? region.location;
  return {
    ok: true,
    config: {
      cluster: {
        id: r.cluster.id,
        region: region.id,
        continent: region.continent,
        country: region.country,
        provider: r.cluster.provider,
        location,
        proxyUrl: r.cluster.proxyUrl ?? null,
        proxyId: r.cluster.proxyId ?? null,
      },
      gpuPrices: gpus,
      pricesFile: r.pricesFile ?? null,
      headroom: { warm: r.headroom?.warm ?? 0, cold: r.headroom?.cold ?? 0 },
      apps,
      intervalMs,
      scrapeTimeoutMs,
      backoff,
      db: { url: r.db?.url ?? null, authToken: r.db?.authToken ?? null },
    },
  };
}

/** Parses an aggregator YAML file; issues carry the file's line numbers. */
export function parseAggregatorYaml(text: string, file: string): AggregatorConfigResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({ file, path: '', line: lines.linePos(e.pos[0]).line, message: `YAML syntax: ${e.message.split('\n')[0] ?? e.code}` })),
    };
  }
  return validateAggregatorConfig(doc.toJS(), file, makeLocator(doc, lines));
}
