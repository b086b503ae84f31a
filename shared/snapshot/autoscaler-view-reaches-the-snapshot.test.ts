/**
 * The autoscaler view, against REAL libSQL: replicas, those above the minimum, idle ones and the
 * idle window, as an aggregator pushes them, come back in the app's snapshot; a cluster that
 * reports none (null, or an aggregator from before schema v18) leaves the fields out.
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
import type { ClusterStatus } from '../domain/types.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';

const NOW = 1_700_000_000_000;
let store: TempStore;

const status = (clusterId: string): ClusterStatus => ({ clusterId, health: 'healthy', circuitOpen: false, draining: false, observedAt: NOW });

beforeAll(async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  for (const id of ['c1', 'c2']) await upsertCluster(store.client, sampleCluster(id), 1);
  await upsertApp(store.client, sampleApp('p', 'a', { clusters: ['c1', 'c2'] }), 1);
});

afterAll(() => store.dispose());

const push = (clusterId: string, over: Parameters<typeof sampleState>[2]) =>
  pushClusterState(store.client, clusterId, { states: [sampleState(clusterId, 'p/a', { observedAt: NOW, ...over })], status: status(clusterId), endpoints: [] }, NOW);

test('pushed autoscaler view reaches the snapshot; unreported fields stay absent', async () => {
  await push('c1', { replicas: 9, replicasAboveMin: 3, idleReplicas: 2, idleWindowMs: 300_000 });
  await push('c2', { replicas: 4, replicasAboveMin: null, idleReplicas: 0, idleWindowMs: null });
  const snap = await loadAppSnapshot(store.client, 'p/a', NOW);
  expect(snap?.state.get('c1')).toMatchObject({ replicas: 9, replicasAboveMin: 3, idleReplicas: 2, idleWindowMs: 300_000 });
  const c2 = snap?.state.get('c2');
  expect(c2).toMatchObject({ replicas: 4, idleReplicas: 0 });
  expect(c2 !== undefined && ('replicasAboveMin' in c2 || 'idleWindowMs' in c2)).toBe(false);

  // A later push without the view (an older aggregator) clears it rather than leaving stale counts.
  await push('c1', {});
  const again = (await loadAppSnapshot(store.client, 'p/a', NOW))?.state.get('c1');
  expect(again !== undefined && ('replicas' in again || 'idleReplicas' in again)).toBe(false);
});

test('a negative replica count in the database is refused, not used', async () => {
  await store.client.execute("UPDATE cluster_app_state SET idle_replicas = -1 WHERE cluster_id = 'c2'");
  await expect(loadAppSnapshot(store.client, 'p/a', NOW)).rejects.toThrow(/idle_replicas must be >= 0/);
  await store.client.execute("UPDATE cluster_app_state SET idle_replicas = NULL WHERE cluster_id = 'c2'");
});
