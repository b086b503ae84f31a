/**
 * The same store code over HTTP: the local Hrana endpoint (control/hrana) on a real port, with an
 * auth token. Proves migrate, batched writes and the snapshot read batch work over the wire, and
 * that a wrong token surfaces as `unauthorized`.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../hrana/test-server.ts';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { MIGRATIONS } from '../../shared/schema/migrations.ts';
import { migrate } from './migrate.ts';
import { openStore, type Store } from './open-store.ts';
import { pushClusterState } from './push-cluster-state.ts';
import { sampleApp, sampleCluster, sampleState } from './test-fixtures.ts';
import { upsertApp } from './upsert-app.ts';
import { upsertCluster } from './upsert-cluster.ts';
import { upsertProject } from './upsert-project.ts';

let server: TestServer;
let store: Store;
beforeAll(async () => {
  server = await startTestServer({ authToken: 'sekrit' });
  store = openStore({ url: server.url, authToken: 'sekrit' });
});
afterAll(async () => {
  store.close();
  await server.stop();
});

test('migrate, write and read a snapshot over HTTP', async () => {
  expect((await migrate(store.client)).applied).toHaveLength(MIGRATIONS.length);
  expect((await migrate(store.client)).applied).toHaveLength(0);
  const c = store.client;
  await upsertProject(c, { id: 'p', name: 'P' }, 1);
  await upsertCluster(c, sampleCluster('eu-1'), 1);
  await upsertApp(
    c,
    sampleApp('p', 'chat', { clusters: ['eu-1'], clusterWeights: { 'eu-1': 1 } }),
    1,
  );
  await pushClusterState(
    c,
    'eu-1',
    {
      states: [sampleState('eu-1', 'p/chat')],
      status: {
        clusterId: 'eu-1',
        health: 'healthy',
        circuitOpen: false,
        draining: false,
        observedAt: 1_000,
      },
      endpoints: [{ appId: 'p/chat', url: 'http://127.0.0.1:7001', healthy: true, weight: 1 }],
    },
    1_000,
  );
  const snapshot = await loadAppSnapshot(c, 'p/chat', 2_000);
  // No outcomes yet: every state row carries an empty inflow-by-origin map (migration 19), and
  // no other app with fewer homes: nothing pinned (the tenants statement ran over HTTP too).
  expect(snapshot?.state.get('eu-1')).toEqual({ ...sampleState('eu-1', 'p/chat'), inflowByOrigin: {}, pinnedStartSlots: 0 });
  expect(snapshot?.status.get('eu-1')?.health).toBe('healthy');
  expect(snapshot?.clusters.get('eu-1')).toEqual(sampleCluster('eu-1'));
});

test('a wrong auth token is reported as unauthorized', async () => {
  const wrong = openStore({ url: server.url, authToken: 'nope' });
  try {
    await expect(migrate(wrong.client)).rejects.toMatchObject({
      name: 'StoreError',
      code: 'unauthorized',
    });
  } finally {
    wrong.close();
  }
});
