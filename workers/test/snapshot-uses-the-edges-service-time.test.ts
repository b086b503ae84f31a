import { beforeAll, describe, expect, it } from 'vitest';
import { env as workerEnv } from 'cloudflare:workers';
import type { Client } from '@libsql/client';
import { insertOutcomes } from '../../control/store/insert-outcomes.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { DEFAULT_REQUEST_RULES, type App, type Cluster } from '../../shared/domain/types.ts';
import type { EnvVars } from '../src/shared-deps.ts';
import { edgeFor } from '../src/index.ts';
import { mainDb } from './helpers.ts';

// The start-up slots other apps with fewer homes need (`pinnedStartSlots`) turn their inflow of
// unknown duration (here refused as full, 429: demand that gives no duration) into busy slots with
// a service time. The edge decides with its policy (ROUTE_SERVICE_TIME); its
// snapshot loader used the default policy's 10 s whatever the operator set. Its own clusters and
// apps (project svc), so no other test's snapshot changes.
const cluster = (id: string, continent: 'EU' | 'NA'): Cluster => ({
  id, region: id, continent, country: continent === 'EU' ? 'IE' : 'US', provider: 'test',
  location: { lat: continent === 'EU' ? 53 : 40, lon: continent === 'EU' ? -6 : -74 }, proxyUrl: 'http://127.0.0.1:9', proxyId: 'proxy-svc',
});
const app = (name: string, clusters: string[], residency: App['residency']): App => ({
  id: `svc/${name}`, projectId: 'svc', name, clusters, excludedClusters: [], residency, gpuTypes: [], strategy: 'switchyard',
  affinityHeader: null, authRequired: true, limits: { maxConcurrency: null, maxRps: null }, corsOrigins: [], clusterWeights: {},
  requests: DEFAULT_REQUEST_RULES,
});

beforeAll(async () => {
  const db = mainDb() as unknown as Client;
  const now = Date.now();
  await upsertProject(db, { id: 'svc', name: 'Svc' }, now);
  for (const c of [cluster('svc-eu1', 'EU'), cluster('svc-eu2', 'EU'), cluster('svc-us1', 'NA')]) await upsertCluster(db, c, now);
  // chat may go anywhere (3 homes); eu is EU-resident (2 homes): chat leaves room for eu's need.
  await upsertApp(db, app('chat', ['svc-eu1', 'svc-eu2', 'svc-us1'], { kind: 'any' }), now);
  await upsertApp(db, app('eu', ['svc-eu1', 'svc-eu2'], { kind: 'continents', continents: ['EU'] }), now);
  const row = { gpuType: 'H100', pricePerHour: 2.5, health: 'healthy' as const, lastServedAt: null, observedAt: now, queued: 0 };
  await pushClusterState(db, 'svc-eu1', {
    states: [
      { ...row, clusterId: 'svc-eu1', appId: 'svc/chat', hotBusy: 8, hotFree: 0, warm: 8, cold: 24 },
      // 2 busy + 6 free; it receives 3 req/s (below).
      { ...row, clusterId: 'svc-eu1', appId: 'svc/eu', hotBusy: 2, hotFree: 6, warm: 8, cold: 24 },
    ],
    status: { clusterId: 'svc-eu1', health: 'healthy', circuitOpen: false, draining: false, observedAt: now },
    endpoints: [],
  }, now);
  // Each held its slot a minute: past any policy's service time, which then prices it.
  const outcomes = [];
  for (let i = 0; i < 30; i++) {
    await db.execute({
      sql: `INSERT INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, explanation_json, input_json)
            VALUES (?, ?, 'svc/eu', 'f', 0, 'routed', 'svc-eu1', 'fastest-predicted', 'v', 's', 0, '{}', '{}')`,
      args: [`svc-d${i}`, now - 1000],
    });
    outcomes.push({ decisionId: `svc-d${i}`, attempt: 0, proxyId: 'px', clusterId: 'svc-eu1', endpoint: null, status: 429, ttfbMs: 50, durationMs: 5, bytesIn: 0, bytesOut: 0, error: null, at: now - 1000 });
  }
  await insertOutcomes(db, outcomes);
});

async function pinnedOnEu1(env: Record<string, string>): Promise<number | null | undefined> {
  const built = await edgeFor({ ...(workerEnv as unknown as EnvVars), ...env });
  if (!built.ok) throw new Error('edge config invalid');
  const snap = (await built.edge.snapshots.get('svc/chat', () => undefined)).value;
  return snap?.state.get('svc-eu1')?.pinnedStartSlots;
}

describe("the edge's snapshot estimates other apps' need with the edge's policy", () => {
  it.each<{ name: string; env: Record<string, string>; pinned: number }>([
    // 3 req/s (30 in the 10 s window) × 10 s = 30 busy slots, 22 beyond eu's 8 loaded ones.
    { name: 'the default: 10 s per request', env: { EDGE_REFRESH_MS: '101' }, pinned: 22 },
    // 3 × 4 s = 12 slots, 4 beyond its 8.
    { name: 'ROUTE_SERVICE_TIME=4s', env: { EDGE_REFRESH_MS: '102', ROUTE_SERVICE_TIME: '4s' }, pinned: 4 },
  ])('$name', async ({ env, pinned }) => {
    expect(await pinnedOnEu1(env)).toBeCloseTo(pinned, 9);
  });
});
