/**
 * The simulator's scenario format (YAML or JSON), validated with zod into a
 * fully-defaulted object. Every problem is reported at once, each naming its
 * line and path in the file as apply does (`s.yaml:12: clusters[3].region: unknown region "eu-wets"`).
 * See backtest/README.md for the format with examples.
 */
import { z } from 'zod';
import { LineCounter, parseDocument } from 'yaml';
import { formatIssue, formatPath } from '../../control/config/config-issue.ts';
import { makeLocator } from '../../control/config/yaml-locator.ts';
import { issueProblems, plainWords } from '../../control/config/zod-issue-words.ts';
import { CONTINENTS } from '../../shared/domain/types.ts';
import { findRegion, REGIONS } from '../../shared/domain/regions.ts';
import { BacktestError } from '../errors.ts';
import { HPA_DEFAULTS, KPA_DEFAULTS, type AutoscalerKind, type AutoscalerSpec } from './autoscaler.ts';

export const SIM_STRATEGIES = [
  'switchyard',
  'switchyard-v1',
  'greedy-predicted',
  'nearest-region',
  'round-robin',
  'least-connections',
  'random',
  'cheapest-first',
  'nearest-ignore-residency',
] as const;
export type SimStrategy = (typeof SIM_STRATEGIES)[number];

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const continent = z.enum(CONTINENTS as unknown as [string, ...string[]]);

const residency = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('any') }),
  z.strictObject({ kind: z.literal('continents'), continents: z.array(continent).min(1) }),
  z.strictObject({ kind: z.literal('regions'), regions: z.array(z.string()).min(1) }),
  z.strictObject({ kind: z.literal('client-continent') }),
]);

/**
 * Overrides of the clusters' autoscaler (see autoscaler.ts): top-level for every cluster,
 * per cluster on top of that. Default kind kpa (Knative's defaults); `kind: instant` is the
 * pre-session-9 rule (a replica per queued request), `kind: hpa` an HPA fed by KEDA.
 */
const autoscaler = z.strictObject({
  kind: z.enum(['kpa', 'hpa', 'instant']).optional(),
  targetUtilization: z.number().gt(0).max(1).optional(),
  // kpa
  tickSeconds: positive.optional(),
  stableWindowSeconds: positive.optional(),
  panicWindowPercent: z.number().gt(0).max(100).optional(),
  panicThresholdPercent: positive.optional(),
  maxScaleUpRate: z.number().gt(1).optional(),
  // hpa
  syncPeriodSeconds: positive.optional(),
  windowSeconds: positive.optional(),
  tolerance: nonNegative.optional(),
  scaleUpPods: z.number().int().nonnegative().optional(),
  scaleUpPercent: nonNegative.optional(),
  activationSeconds: positive.optional(),
});
type AutoscalerOverrides = z.output<typeof autoscaler>;
type AutoscalerField = Exclude<keyof AutoscalerOverrides, 'kind'>;
const FIELDS_OF: Record<AutoscalerKind, readonly string[]> = {
  instant: [],
  kpa: Object.keys(KPA_DEFAULTS).filter((k) => k !== 'kind'),
  hpa: Object.keys(HPA_DEFAULTS).filter((k) => k !== 'kind'),
};

const cluster = z.strictObject({
  id: z.string().min(1),
  region: z.string(),
  provider: z.string().min(1),
  /** Expand into `count` identical clusters `${id}-1..n` (large fleets in a few lines). */
  count: z.number().int().positive().default(1),
  gpuType: z.string().default('H100'),
  pricePerHour: positive,
  concurrencyPerReplica: z.number().int().positive().default(8),
  minReplicas: z.number().int().nonnegative().default(1),
  maxReplicas: z.number().int().positive().default(20),
  /** Running nodes of the right GPU that can start a replica in warmStartSeconds. */
  warmNodes: z.number().int().nonnegative().default(4),
  /** Provider headroom: nodes that need coldStartSeconds. */
  coldNodes: z.number().int().nonnegative().default(16),
  warmStartSeconds: nonNegative.default(15),
  coldStartSeconds: nonNegative.default(240),
  scaleDownIdleSeconds: positive.default(600),
  maxQueuePerReplica: z.number().int().nonnegative().default(16),
  autoscaler: autoscaler.optional(),
});

const client = z.strictObject({
  name: z.string().min(1),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  continent,
  country: z.string().length(2),
  weight: positive,
});

const durationClass = z.strictObject({
  name: z.string().default('requests'),
  weight: positive,
  /** Mean duration; individual requests are exponentially distributed around it. */
  meanSeconds: positive,
});

const app = z.strictObject({
  id: z.string().regex(/^[^/]+\/[^/]+$/, 'must look like project/app'),
  share: positive,
  residency: residency.default({ kind: 'any' }),
  /** Cluster ids (after `count` expansion, or the base id to mean all its copies); default all. */
  clusters: z.array(z.string()).optional(),
  /** The app's own failover reserve (App.failoverReserve, 0–4); absent: the policy's. */
  failoverReserve: z.number().min(0).max(4).optional(),
});

const window = { startHours: nonNegative, durationHours: positive };
const incident = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('cluster-outage'), cluster: z.string(), ...window }),
  z.strictObject({ kind: z.literal('region-partition'), region: z.string(), ...window }),
  z.strictObject({
    kind: z.literal('price-spike'),
    provider: z.string().optional(),
    cluster: z.string().optional(),
    factor: positive,
    ...window,
  }),
  z.strictObject({
    /** Gray failure: the cluster keeps reporting healthy but fails `errorRate` of the requests it takes with 5xx. */
    kind: z.literal('partial-failure'),
    cluster: z.string(),
    errorRate: z.number().gt(0).max(1),
    ...window,
  }),
  z.strictObject({
    /**
     * Gray failure that still answers: the cluster keeps reporting healthy and serves every request
     * with 2xx, but each holds its slot `factor` × as long (slow decode: a throttled GPU, a degraded
     * interconnect) and its first token comes `addedTtftMs` later (slow prefill).
     */
    kind: z.literal('slowdown'),
    cluster: z.string(),
    factor: z.number().min(1),
    addedTtftMs: nonNegative.default(0),
    ...window,
  }),
  z.strictObject({
    /** Traffic multiplied by `factor` (a step when long, a surge when short), for every client or one. */
    kind: z.literal('load-surge'),
    factor: positive,
    client: z.string().optional(),
    ...window,
  }),
  z.strictObject({
    kind: z.literal('capacity-drain'),
    cluster: z.string(),
    /** Share of the cluster's replicas, warm and cold nodes taken away (0..1]. */
    fraction: z.number().gt(0).max(1),
    ...window,
  }),
]);

const priceChange = z.strictObject({
  atHours: nonNegative,
  provider: z.string().optional(),
  cluster: z.string().optional(),
  pricePerHour: positive,
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  seed: z.union([z.string(), z.number()]).transform(String).default('1'),
  durationHours: positive,
  /** Arrivals are aggregated per tick and per client point (a week at 1,000 req/s stays fast). */
  tickSeconds: positive.default(1),
  autoscaler: autoscaler.optional(),
  propagation: z
    .strictObject({ intervalSeconds: positive.default(2), delaySeconds: nonNegative.default(1) })
    .default({ intervalSeconds: 2, delaySeconds: 1 }),
  /** Worker-style env overrides for the switchyard policy (parsed with parsePolicy). */
  policy: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
  strategies: z.array(z.enum(SIM_STRATEGIES)).min(1).default(['switchyard', 'nearest-region', 'round-robin', 'least-connections', 'random', 'cheapest-first']),
  traffic: z.strictObject({
    ratePerSecond: positive,
    diurnal: z
      .strictObject({ amplitude: z.number().min(0).max(1), peakLocalHour: z.number().min(0).max(24) })
      .default({ amplitude: 0, peakLocalHour: 15 }),
    durations: z.array(durationClass).min(1),
    clients: z.array(client).min(1),
  }),
  apps: z.array(app).min(1),
  clusters: z.array(cluster).min(1),
  prices: z.array(priceChange).default([]),
  incidents: z.array(incident).default([]),
  /** Time windows reported on their own (cost per 1k requests, p50/p99, share per cluster); default: one per incident. */
  windows: z.array(z.strictObject({ name: z.string().min(1), ...window })).default([]),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioCluster = Omit<Scenario['clusters'][number], 'autoscaler'> & { readonly autoscaler: AutoscalerSpec };
export type ScenarioIncident = Scenario['incidents'][number];

/** A validated scenario with `count` expanded and cluster lists resolved. */
export interface ResolvedScenario extends Omit<Scenario, 'clusters' | 'apps'> {
  readonly clusters: ReadonlyArray<ScenarioCluster & { readonly continent: string; readonly country: string; readonly lat: number; readonly lon: number }>;
  readonly apps: ReadonlyArray<Scenario['apps'][number] & { readonly clusters: readonly string[] }>;
}

/** Parse YAML/JSON text; `file` names the source in error messages, each problem with its line. */
export function parseScenario(text: string, file: string): ResolvedScenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  let raw: unknown;
  try {
    if (doc.errors[0] !== undefined) throw doc.errors[0];
    raw = doc.toJS();
  } catch (err) {
    throw new BacktestError('scenario-invalid', `${file}: not valid YAML: ${(err as Error).message}`);
  }
  return validateScenario(raw, file, makeLocator(doc, lines));
}

type Path = readonly PropertyKey[];

/** `locate` gives a path's line in the file (none for a scenario built in code). */
export function validateScenario(raw: unknown, file: string, locate: (path: Path) => number | null = () => null): ResolvedScenario {
  const problems: string[] = [];
  const problem = (path: Path, message: string): void => {
    problems.push(formatIssue({ file, path: formatPath(path), line: locate(path), message }));
  };
  const parsed = scenarioSchema.safeParse(raw, { error: plainWords });
  if (!parsed.success) {
    for (const p of issueProblems(parsed.error.issues)) problem(p.path, p.message);
    // Shape errors stop the typed checks below; still report unknown regions so one run shows everything.
    for (const p of rawRegionProblems(raw)) problem(p.path, p.message);
    throw invalid(file, problems);
  }
  const s = parsed.data;
  const clusters: Array<ResolvedScenario['clusters'][number]> = [];
  const byBase = new Map<string, string[]>();
  /** Which entry first made each cluster id (after count expansion), to name both sides of a clash. */
  const madeBy = new Map<string, string>();
  checkAutoscaler(s.autoscaler, s.autoscaler?.kind ?? 'kpa', ['autoscaler'], problem);
  s.clusters.forEach((c, i) => {
    checkAutoscaler(c.autoscaler, c.autoscaler?.kind ?? s.autoscaler?.kind ?? 'kpa', ['clusters', i, 'autoscaler'], problem);
    const scaler = resolveAutoscaler(s.autoscaler, c.autoscaler);
    const region = findRegion(c.region);
    if (region === undefined) {
      problem(['clusters', i, 'region'], `unknown region "${c.region}" (known: ${REGIONS.map((r) => r.id).join(', ')})`);
      return;
    }
    if (c.maxReplicas < c.minReplicas) problem(['clusters', i, 'maxReplicas'], `must be ≥ minReplicas (${c.minReplicas})`);
    const ids = c.count === 1 ? [c.id] : Array.from({ length: c.count }, (_, k) => `${c.id}-${k + 1}`);
    for (const id of ids) {
      const first = madeBy.get(id);
      if (first === undefined) madeBy.set(id, `clusters[${i}]${c.count === 1 ? '' : ` with count ${c.count} makes ${c.id}-1..${c.id}-${c.count}`}`);
      else problem(['clusters', i, 'id'], `duplicate cluster "${id}" (${first})`);
    }
    byBase.set(c.id, ids);
    for (const id of ids) {
      clusters.push({ ...c, autoscaler: scaler, id, continent: region.continent, country: region.country, lat: region.location.lat, lon: region.location.lon });
    }
  });
  const known = new Set(clusters.map((c) => c.id));
  const resolve = (id: string, path: Path): string[] => {
    const ids = byBase.get(id) ?? (known.has(id) ? [id] : undefined);
    if (ids === undefined) {
      problem(path, `unknown cluster "${id}"`);
      return [];
    }
    return ids;
  };
  const apps = s.apps.map((a, i) => ({
    ...a,
    clusters: a.clusters === undefined ? [...known] : a.clusters.flatMap((id, k) => resolve(id, ['apps', i, 'clusters', k])),
  }));
  // Per-app results (rejections, residency violations) are reported by id: ids must tell apps apart.
  const appAt = new Map<string, number>();
  s.apps.forEach((a, i) => {
    const first = appAt.get(a.id);
    if (first === undefined) appAt.set(a.id, i);
    else problem(['apps', i, 'id'], `duplicate app "${a.id}" (also apps[${first}])`);
  });
  s.apps.forEach((a, i) => {
    if (a.residency.kind === 'regions') {
      a.residency.regions.forEach((r, k) => {
        if (findRegion(r) === undefined) problem(['apps', i, 'residency', 'regions', k], `unknown region "${r}"`);
      });
    }
  });
  const providers = new Set(clusters.map((c) => c.provider));
  s.incidents.forEach((inc, i) => {
    const path = ['incidents', i];
    if (inc.kind === 'cluster-outage' || inc.kind === 'capacity-drain' || inc.kind === 'partial-failure' || inc.kind === 'slowdown') resolve(inc.cluster, [...path, 'cluster']);
    if (inc.kind === 'load-surge' && inc.client !== undefined && !s.traffic.clients.some((c) => c.name === inc.client)) problem([...path, 'client'], `unknown client "${inc.client}"`);
    if (inc.kind === 'region-partition' && findRegion(inc.region) === undefined) problem([...path, 'region'], `unknown region "${inc.region}"`);
    if (inc.kind === 'price-spike') checkTarget(inc, path);
    if (inc.startHours >= s.durationHours) problem([...path, 'startHours'], `starts after the scenario ends (${s.durationHours} h)`);
  });
  s.prices.forEach((p, i) => {
    checkTarget(p, ['prices', i]);
    if (p.atHours >= s.durationHours) problem(['prices', i, 'atHours'], `after the scenario ends (${s.durationHours} h), so it never applies`);
  });
  s.windows.forEach((w, i) => {
    if (w.startHours >= s.durationHours) problem(['windows', i, 'startHours'], `starts after the scenario ends (${s.durationHours} h)`);
  });
  function checkTarget(t: { provider?: string | undefined; cluster?: string | undefined }, path: Path): void {
    if ((t.provider === undefined) === (t.cluster === undefined)) problem(path, 'give exactly one of provider or cluster');
    if (t.provider !== undefined && !providers.has(t.provider)) problem([...path, 'provider'], `no cluster has provider "${t.provider}"`);
    if (t.cluster !== undefined) resolve(t.cluster, [...path, 'cluster']);
  }
  if (s.durationHours * 3600 < s.tickSeconds) problem(['tickSeconds'], 'longer than the whole scenario');
  if (problems.length > 0) throw invalid(file, problems);
  return { ...s, clusters, apps };
}

/** Each field must belong to the kind it tunes; an hpa must be able to scale up. */
function checkAutoscaler(a: AutoscalerOverrides | undefined, kind: AutoscalerKind, path: Path, problem: (path: Path, message: string) => void): void {
  if (a === undefined) return;
  const foreign = Object.keys(a).filter((k) => k !== 'kind' && !FIELDS_OF[kind].includes(k));
  if (foreign.length > 0) problem(path, `${foreign.join(', ')} do not apply to kind ${kind} (its fields: ${FIELDS_OF[kind].join(', ') || 'none'})`);
  if (a.scaleUpPods === 0 && a.scaleUpPercent === 0) problem(path, 'scaleUpPods and scaleUpPercent are both 0, so it could never scale up');
}

/** Defaults of the cluster's kind, then the scenario's top-level overrides (if of the same kind), then the cluster's. */
function resolveAutoscaler(top: AutoscalerOverrides | undefined, own: AutoscalerOverrides | undefined): AutoscalerSpec {
  const topKind = top?.kind ?? 'kpa';
  const kind = own?.kind ?? topKind;
  if (kind === 'instant') return { kind };
  const pick = (k: AutoscalerField): number | undefined => own?.[k] ?? (kind === topKind ? top?.[k] : undefined);
  if (kind === 'hpa') {
    const d = HPA_DEFAULTS;
    return {
      kind,
      syncPeriodSeconds: pick('syncPeriodSeconds') ?? d.syncPeriodSeconds,
      windowSeconds: pick('windowSeconds') ?? d.windowSeconds,
      tolerance: pick('tolerance') ?? d.tolerance,
      scaleUpPods: pick('scaleUpPods') ?? d.scaleUpPods,
      scaleUpPercent: pick('scaleUpPercent') ?? d.scaleUpPercent,
      activationSeconds: pick('activationSeconds') ?? d.activationSeconds,
      targetUtilization: pick('targetUtilization') ?? d.targetUtilization,
    };
  }
  const d = KPA_DEFAULTS;
  return {
    kind,
    tickSeconds: pick('tickSeconds') ?? d.tickSeconds,
    stableWindowSeconds: pick('stableWindowSeconds') ?? d.stableWindowSeconds,
    panicWindowPercent: pick('panicWindowPercent') ?? d.panicWindowPercent,
    panicThresholdPercent: pick('panicThresholdPercent') ?? d.panicThresholdPercent,
    targetUtilization: pick('targetUtilization') ?? d.targetUtilization,
    maxScaleUpRate: pick('maxScaleUpRate') ?? d.maxScaleUpRate,
  };
}

function rawRegionProblems(raw: unknown): Array<{ path: Path; message: string }> {
  const clusters = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['clusters'] : undefined;
  if (!Array.isArray(clusters)) return [];
  return clusters.flatMap((c: unknown, i) => {
    const region = typeof c === 'object' && c !== null ? (c as Record<string, unknown>)['region'] : undefined;
    return typeof region === 'string' && findRegion(region) === undefined ? [{ path: ['clusters', i, 'region'], message: `unknown region "${region}"` }] : [];
  });
}

function invalid(file: string, problems: string[]): BacktestError {
  return new BacktestError(
    'scenario-invalid',
    `${file}: invalid scenario (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`,
    problems,
  );
}
