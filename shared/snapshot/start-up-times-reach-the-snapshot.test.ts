/**
 * Start-up times, against REAL libSQL: what an aggregator pushes (warm/cold start-up moving
 * averages) comes back in the app's snapshot, and a cluster that reports none (null, or an
 * aggregator from before schema v5) leaves the fields out so the policy defaults apply.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import {
  openTempStore,
  sampleApp,
  sampleCluster,
  sampleState,
  type TempStore,
} from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { DEFAULT_POLICY } from '../decision/policy.ts';
import { timingsOf } from '../decision/ttft-terms.ts';
import type { ClusterStatus } from '../domain/types.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';

const NOW = 1_700_000_000_000;
let store: TempStore;

const status = (clusterId: string): ClusterStatus => ({
  clusterId,
  health: 'healthy',
  circuitOpen: false,
  draining: false,
  observedAt: NOW,
});

beforeAll(async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  for (const id of ['c1', 'c2']) await upsertCluster(store.client, sampleCluster(id), 1);
  await upsertApp(store.client, sampleApp('p', 'a', { clusters: ['c1', 'c2'] }), 1);
});

afterAll(() => store.dispose());

test('pushed start-up times reach the snapshot; unreported ones stay absent', async () => {
  const push = (clusterId: string, over: Parameters<typeof sampleState>[2]) =>
    pushClusterState(
      store.client,
      clusterId,
      { states: [sampleState(clusterId, 'p/a', { observedAt: NOW, ...over })], status: status(clusterId), endpoints: [] },
      NOW,
    );
  await push('c1', { warmStartMs: 12_500.5, coldStartMs: 180_000 });
  await push('c2', { warmStartMs: null, coldStartMs: null });

  const snap = await loadAppSnapshot(store.client, 'p/a', NOW);
  expect(snap?.state.get('c1')).toMatchObject({ warmStartMs: 12_500.5, coldStartMs: 180_000 });
  const c2 = snap?.state.get('c2');
  expect(c2).toBeDefined();
  expect(c2 !== undefined && 'warmStartMs' in c2).toBe(false);
  expect(c2 !== undefined && 'coldStartMs' in c2).toBe(false);

  // What the decision prices: c1's reported times, c2 the policy defaults.
  const c1 = snap?.state.get('c1');
  if (c1 === undefined || c2 === undefined) throw new Error('state rows missing');
  expect(timingsOf(c1, DEFAULT_POLICY.ttft)).toMatchObject({ warmStartMs: 12_500.5, coldStartMs: 180_000 });
  expect(timingsOf(c2, DEFAULT_POLICY.ttft)).toMatchObject({
    warmStartMs: DEFAULT_POLICY.ttft.warmStartMs,
    coldStartMs: DEFAULT_POLICY.ttft.coldStartMs,
  });

  // A later push without start-up times (e.g. the aggregator restarted with no config
  // defaults) clears them rather than leaving stale values behind.
  await push('c1', {});
  const again = await loadAppSnapshot(store.client, 'p/a', NOW);
  expect(again?.state.get('c1')?.warmStartMs).toBeUndefined();
});

test('a negative start-up time in the database is refused, not used', async () => {
  await store.client.execute("UPDATE cluster_app_state SET warm_start_ms = -1 WHERE cluster_id = 'c2'");
  await expect(loadAppSnapshot(store.client, 'p/a', NOW)).rejects.toThrow(/warm_start_ms must be >= 0/);
  await store.client.execute("UPDATE cluster_app_state SET warm_start_ms = NULL WHERE cluster_id = 'c2'");
});
