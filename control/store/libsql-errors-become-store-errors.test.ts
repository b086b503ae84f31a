import { createServer } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { listClusters } from './list-clusters.ts';
import { migrate } from './migrate.ts';
import { MIGRATIONS } from '../../shared/schema/migrations.ts';
import { openStore } from './open-store.ts';
import { openTempStore, sampleCluster, sampleState, type TempStore } from './test-fixtures.ts';
import { pushClusterState } from './push-cluster-state.ts';
import { upsertCluster } from './upsert-cluster.ts';
import type { ClusterAppState } from '../../shared/domain/types.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

test('an unmigrated database says to run `switchyard db migrate`', async () => {
  store = await openTempStore({ migrated: false });
  const err = await listClusters(store.client).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'StoreError', code: 'schema-missing' });
  expect(String((err as Error).message)).toContain('switchyard db migrate');
});

test('an HTTP database nobody listens on is unreachable', async () => {
  // Reserve a free loopback port, then close it so the connection is refused.
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
  const remote = openStore({ url: `http://127.0.0.1:${port}` });
  try {
    const err = await migrate(remote.client).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StoreError', code: 'unreachable' });
  } finally {
    remote.close();
  }
});

test("a database migrated before the engines' times (v36): the aggregator's push says to migrate, one without them still writes", async () => {
  const s = (store = await openTempStore({ migrated: false }));
  await migrate(s.client, { migrations: MIGRATIONS.filter((m) => m.version < 36) });
  const status = { clusterId: 'c1', health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: 1 };
  const push = (state: ClusterAppState): Promise<void> => pushClusterState(s.client, 'c1', { states: [state], status, endpoints: [] }, 1);
  await upsertCluster(s.client, sampleCluster('c1'), 1);
  // SQLite says "table cluster_app_state has no column named queue_wait_ms" on a write.
  const err = await push(sampleState('c1', 'p/a', { queueWaitMs: 300, serviceMs: 2000 })).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'StoreError', code: 'schema-missing' });
  expect(String((err as Error).message)).toContain('switchyard db migrate');
  await expect(push(sampleState('c1', 'p/a'))).resolves.toBeUndefined();
});
