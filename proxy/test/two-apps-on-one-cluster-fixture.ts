/**
 * Two apps on cluster c1 (fronted by the proxy under test) and c2 (a second candidate, in the US,
 * behind another proxy), with state for both; and the edge's view of an app's network term for c1
 * (the edge's own snapshot loader and decide(), a client in Dublin). For the tenant-isolation tests
 * of the network term.
 */
import type { Client } from '@libsql/client';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { sampleApp, sampleCluster, sampleState } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { decide } from '../../shared/decision/decide.ts';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import { seededRng } from '../../shared/decision/rng.ts';
import { newStrategyState } from '../../shared/decision/strategy-state.ts';
import type { TtftTerm } from '../../shared/decision/types.ts';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { PROXY_ID } from './harness.ts';

const DUBLIN = { colo: 'DUB', country: 'IE', continent: 'EU' as const, location: { lat: 53.3, lon: -6.2 } };

/** Project acme, clusters c1 (this proxy's) and c2, `apps` (`acme/<name>`) on both with fresh state. */
export async function seedTwoAppsOnOneCluster(db: Client, apps: readonly string[], now: number): Promise<void> {
  await upsertProject(db, { id: 'acme', name: 'Acme' }, now);
  await upsertCluster(db, sampleCluster('c1', { proxyId: PROXY_ID }), now);
  await upsertCluster(db, sampleCluster('c2', { region: 'us-east', continent: 'NA', country: 'US', location: { lat: 38.9, lon: -77.4 }, proxyId: 'proxy-us' }), now);
  for (const app of apps) await upsertApp(db, sampleApp('acme', app.split('/')[1] ?? '', { clusters: ['c1', 'c2'] }), now);
  for (const id of ['c1', 'c2'])
    await pushClusterState(db, id, {
      states: apps.map((appId) => sampleState(id, appId, { observedAt: now })),
      status: { clusterId: id, health: 'healthy', circuitOpen: false, draining: false, observedAt: now },
      endpoints: [],
    }, now);
}

/** Each app's replica registered as its endpoint on c1. */
export async function registerOnC1(db: Client, endpoints: ReadonlyArray<readonly [string, SimCluster | undefined]>, now: number): Promise<void> {
  for (const [app, r] of endpoints)
    await db.execute({
      sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
      args: ['c1', app, r?.url ?? '', now],
    });
}

/** `appId`'s network term for c1, as the edge would decide now. */
export async function networkTermOnC1(db: Client, appId: string): Promise<TtftTerm | undefined> {
  const now = Date.now();
  const snap = await loadAppSnapshot(db, appId, now);
  if (snap === null) throw new Error('no snapshot');
  const d = decide(
    { appId, fn: 'v1/chat/completions', method: 'POST', client: DUBLIN, affinityKey: null, synthetic: false },
    snap,
    DEFAULT_POLICY,
    { now, rng: seededRng('t'), seed: 't', decisionId: 't', staleSnapshot: false, strategyState: newStrategyState() },
  );
  return d.candidates.find((c) => c.clusterId === 'c1')?.terms?.find((t) => t.name === 'network');
}
