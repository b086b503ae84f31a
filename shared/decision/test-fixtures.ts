// Builders for decision tests and benchmarks: realistic defaults, override what a case is about.
import { findRegion } from '../domain/regions.ts';
import { DEFAULT_REQUEST_RULES } from '../domain/types.ts';
import type {
  App,
  AppSnapshot,
  Cluster,
  ClusterAppState,
  ClusterStatus,
  LatencyMeasurement,
  RequestFacts,
} from '../domain/types.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { seededRng } from './rng.ts';
import type { DecideContext, Policy } from './types.ts';

export const NOW = 1_800_000_000_000;

/** A cluster in `region` (a known region id), fronted by proxy `proxy-<region>`. */
export function cluster(id: string, region: string, over: Partial<Cluster> = {}): Cluster {
  const r = findRegion(region);
  if (r === undefined) throw new Error(`test fixture: unknown region ${region}`);
  return {
    id,
    region,
    continent: r.continent,
    country: r.country,
    provider: 'lambda',
    location: r.location,
    proxyUrl: `https://proxy-${region}.example`,
    proxyId: `proxy-${region}`,
    ...over,
  };
}

export function state(clusterId: string, over: Partial<ClusterAppState> = {}): ClusterAppState {
  return {
    clusterId,
    appId: 'p/app',
    hotFree: 4,
    hotBusy: 2,
    warm: 2,
    cold: 8,
    queued: 0,
    gpuType: 'H100',
    pricePerHour: 2.5,
    health: 'healthy',
    lastServedAt: null,
    observedAt: NOW - 1000,
    ...over,
  };
}

export function status(clusterId: string, over: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    clusterId,
    health: 'healthy',
    circuitOpen: false,
    draining: false,
    observedAt: NOW - 1000,
    ...over,
  };
}

export function measurement(
  clusterId: string,
  source: string,
  over: Partial<LatencyMeasurement> = {},
): LatencyMeasurement {
  return {
    clusterId,
    source,
    rttMs: 2,
    ttftMs: null,
    samples: 50,
    observedAt: NOW - 1000,
    ...over,
  };
}

export function app(clusters: readonly string[], over: Partial<App> = {}): App {
  return {
    id: 'p/app',
    projectId: 'p',
    name: 'app',
    clusters,
    excludedClusters: [],
    residency: { kind: 'any' },
    gpuTypes: [],
    strategy: 'switchyard',
    affinityHeader: null,
    authRequired: false,
    limits: { maxConcurrency: null, maxRps: null, scope: 'region' },
    corsOrigins: [],
    clusterWeights: {},
    requests: DEFAULT_REQUEST_RULES,
    ...over,
  };
}

export interface SnapshotParts {
  readonly app?: Partial<App>;
  readonly clusters: readonly Cluster[];
  readonly states?: readonly ClusterAppState[];
  readonly statuses?: readonly ClusterStatus[];
  readonly latency?: readonly LatencyMeasurement[];
  /** Deployed cluster ids; defaults to the ids of `clusters`. */
  readonly deployed?: readonly string[];
}

/** A snapshot whose app is deployed to `clusters`; states default to one healthy row per cluster. */
export function snapshot(parts: SnapshotParts): AppSnapshot {
  const deployed = parts.deployed ?? parts.clusters.map((c) => c.id);
  const states = parts.states ?? parts.clusters.map((c) => state(c.id));
  const latency = new Map<string, LatencyMeasurement[]>();
  for (const m of parts.latency ?? [])
    latency.set(m.clusterId, [...(latency.get(m.clusterId) ?? []), m]);
  return {
    app: app(deployed, parts.app),
    clusters: new Map(parts.clusters.map((c) => [c.id, c])),
    state: new Map(states.map((s) => [s.clusterId, s])),
    status: new Map((parts.statuses ?? []).map((s) => [s.clusterId, s])),
    latency,
    loadedAt: NOW - 500,
  };
}

export function request(over: Partial<RequestFacts> = {}): RequestFacts {
  return {
    appId: 'p/app',
    fn: 'v1/chat/completions',
    method: 'POST',
    client: { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } },
    affinityKey: null,
    synthetic: false,
    ...over,
  };
}

export function context(seed = 'seed-1', over: Partial<DecideContext> = {}): DecideContext {
  return {
    now: NOW,
    rng: seededRng(seed),
    seed,
    decisionId: `d-${seed}`,
    staleSnapshot: false,
    ...over,
  };
}

export function policy(over: Partial<Policy> = {}): Policy {
  return { ...DEFAULT_POLICY, ...over };
}
