/**
 * Small, readable snapshots for tests: real domain objects built from a few
 * numbers, so each test states only what it is about.
 */
import { findRegion } from '../shared/domain/regions.ts';
import type { App, AppSnapshot, Cluster, ClusterAppState, ClusterStatus, Health } from '../shared/domain/types.ts';
import { DEFAULT_REQUEST_RULES } from '../shared/domain/types.ts';

export interface ClusterSpec {
  readonly id: string;
  readonly region: string;
  readonly provider: string;
  readonly price: number;
  readonly hotFree: number;
  readonly health?: Health;
}

export const DEFAULT_CLUSTERS: readonly ClusterSpec[] = [
  { id: 'eu-a', region: 'eu-west', provider: 'cheapcloud', price: 2, hotFree: 8 },
  { id: 'eu-b', region: 'eu-central', provider: 'bigcloud', price: 4, hotFree: 8 },
  { id: 'us-a', region: 'us-east', provider: 'bigcloud', price: 3, hotFree: 8 },
  { id: 'eu-sick', region: 'eu-north', provider: 'cheapcloud', price: 1, hotFree: 8, health: 'unhealthy' },
];

export function appFixture(over: Partial<App> = {}): App {
  return {
    id: 'acme/chat',
    projectId: 'acme',
    name: 'chat',
    clusters: DEFAULT_CLUSTERS.map((c) => c.id),
    excludedClusters: [],
    residency: { kind: 'any' },
    gpuTypes: [],
    strategy: 'switchyard',
    affinityHeader: null,
    authRequired: false,
    limits: { maxConcurrency: null, maxRps: null },
    corsOrigins: ['*'],
    clusterWeights: {},
    requests: DEFAULT_REQUEST_RULES,
    ...over,
  };
}

export function clusterOf(spec: ClusterSpec): Cluster {
  const region = findRegion(spec.region);
  if (region === undefined) throw new Error(`test fixture: unknown region ${spec.region}`);
  return {
    id: spec.id,
    region: region.id,
    continent: region.continent,
    country: region.country,
    provider: spec.provider,
    location: region.location,
    proxyUrl: `http://proxy-${region.id}.invalid`,
    proxyId: `proxy-${region.id}`,
  };
}

export function snapshotFixture(opts: {
  now: number;
  app?: App;
  clusters?: readonly ClusterSpec[];
}): AppSnapshot {
  const specs = opts.clusters ?? DEFAULT_CLUSTERS;
  const app = opts.app ?? appFixture({ clusters: specs.map((c) => c.id) });
  const clusters = new Map<string, Cluster>();
  const state = new Map<string, ClusterAppState>();
  const status = new Map<string, ClusterStatus>();
  for (const s of specs) {
    clusters.set(s.id, clusterOf(s));
    state.set(s.id, {
      clusterId: s.id,
      appId: app.id,
      hotFree: s.hotFree,
      hotBusy: 2,
      warm: 4,
      cold: 16,
      queued: 0,
      gpuType: 'H100',
      pricePerHour: s.price,
      health: s.health ?? 'healthy',
      lastServedAt: null,
      observedAt: opts.now - 1_000,
    });
    status.set(s.id, {
      clusterId: s.id,
      health: s.health ?? 'healthy',
      circuitOpen: false,
      draining: false,
      observedAt: opts.now - 1_000,
    });
  }
  return { app, clusters, state, status, latency: new Map(), loadedAt: opts.now - 500 };
}
