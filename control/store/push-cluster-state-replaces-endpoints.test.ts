import { afterEach, expect, test } from 'vitest';
import type { ClusterStatus } from '../../shared/domain/types.ts';
import { loadEndpoints } from './load-endpoints.ts';
import { pushClusterState } from './push-cluster-state.ts';
import { openTempStore, sampleState, type TempStore } from './test-fixtures.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

const status = (clusterId: string, observedAt: number): ClusterStatus => ({
  clusterId,
  health: 'healthy',
  circuitOpen: false,
  draining: false,
  observedAt,
});

test('each push replaces the cluster endpoints and upserts state and status, other clusters untouched', async () => {
  store = await openTempStore();
  const c = store.client;
  await pushClusterState(
    c,
    'eu-1',
    {
      states: [sampleState('eu-1', 'acme/chat')],
      status: status('eu-1', 100),
      endpoints: [
        { appId: 'acme/chat', url: 'http://127.0.0.1:7001', healthy: true, weight: 1 },
        { appId: 'acme/chat', url: 'http://127.0.0.1:7002', healthy: false, weight: 2 },
      ],
    },
    100,
  );
  await pushClusterState(
    c,
    'us-1',
    {
      states: [],
      status: status('us-1', 100),
      endpoints: [{ appId: 'acme/chat', url: 'http://127.0.0.1:8001', healthy: true, weight: 1 }],
    },
    100,
  );
  await pushClusterState(
    c,
    'eu-1',
    {
      states: [sampleState('eu-1', 'acme/chat', { hotFree: 0, observedAt: 200 })],
      status: { ...status('eu-1', 200), draining: true },
      endpoints: [{ appId: 'acme/chat', url: 'http://127.0.0.1:7003', healthy: true, weight: 1, slots: 4 }],
    },
    200,
  );

  expect(await loadEndpoints(c, ['eu-1', 'us-1'])).toEqual([
    {
      clusterId: 'eu-1',
      appId: 'acme/chat',
      url: 'http://127.0.0.1:7003',
      healthy: true,
      weight: 1,
      observedAt: 200,
      slots: 4,
    },
    {
      clusterId: 'us-1',
      appId: 'acme/chat',
      url: 'http://127.0.0.1:8001',
      healthy: true,
      weight: 1,
      observedAt: 100,
      slots: null,
    },
  ]);
  expect(await loadEndpoints(c, ['us-1'])).toHaveLength(1);
  expect(await loadEndpoints(c, [])).toEqual([]);
  const state = await c.execute('SELECT hot_free, observed_at FROM cluster_app_state');
  expect(state.rows.map((r) => ({ ...r }))).toEqual([{ hot_free: 0, observed_at: 200 }]);
  const st = await c.execute(
    "SELECT draining, observed_at FROM cluster_status WHERE cluster_id = 'eu-1'",
  );
  expect({ ...st.rows[0] }).toEqual({ draining: 1, observed_at: 200 });
});

test("a push carrying another cluster's rows is refused and writes nothing", async () => {
  store = await openTempStore();
  const err = await pushClusterState(
    store.client,
    'eu-1',
    { states: [sampleState('us-1', 'acme/chat')], status: status('eu-1', 1), endpoints: [] },
    1,
  ).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'invalid-input' });
  const rs = await store.client.execute('SELECT COUNT(*) AS n FROM cluster_status');
  expect(rs.rows[0]?.['n']).toBe(0);
});

test('a push failing half way (NOT NULL violated) leaves the previous endpoints in place', async () => {
  store = await openTempStore();
  const good = { appId: 'acme/chat', url: 'http://127.0.0.1:7001', healthy: true, weight: 1 };
  await pushClusterState(
    store.client,
    'eu-1',
    { states: [], status: status('eu-1', 1), endpoints: [good] },
    1,
  );
  const broken = { ...good, url: null as unknown as string };
  await expect(
    pushClusterState(
      store.client,
      'eu-1',
      { states: [], status: status('eu-1', 2), endpoints: [broken] },
      2,
    ),
  ).rejects.toMatchObject({ code: 'constraint' });
  expect((await loadEndpoints(store.client, ['eu-1'])).map((e) => e.url)).toEqual([good.url]);
});
