import { afterEach, expect, test } from 'vitest';
import { pushClusterState } from './push-cluster-state.ts';
import { readClusterStatusTable } from './read-cluster-status-table.ts';
import { openTempStore, sampleCluster, sampleState, type TempStore } from './test-fixtures.ts';
import { upsertCluster } from './upsert-cluster.ts';
import { upsertProxyClusterHealth } from './upsert-proxy-cluster-health.ts';
import { setProxyDraining, upsertProxy } from './upsert-proxy.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

test('status table joins cluster facts, pushed status, proxy draining, circuit breakers and capacity', async () => {
  store = await openTempStore();
  const c = store.client;
  await upsertCluster(c, sampleCluster('eu-1'), 1);
  await upsertCluster(c, sampleCluster('eu-2'), 1);
  await upsertCluster(c, sampleCluster('us-1', { region: 'us-east', proxyId: 'proxy-us' }), 1);
  await upsertProxy(
    c,
    { id: 'proxy-eu', url: 'http://127.0.0.1:9001', region: 'eu-west', draining: false },
    1,
  );
  await upsertProxy(
    c,
    { id: 'proxy-us', url: 'http://127.0.0.1:9002', region: 'us-east', draining: false },
    1,
  );
  expect(await setProxyDraining(c, 'proxy-us', true, 2)).toBe(true);
  expect(await setProxyDraining(c, 'nope', true, 2)).toBe(false);
  await pushClusterState(
    c,
    'eu-1',
    {
      states: [
        sampleState('eu-1', 'a/x', { hotFree: 3, warm: 1 }),
        sampleState('eu-1', 'a/y', { hotFree: 2, warm: 0 }),
      ],
      status: {
        clusterId: 'eu-1',
        health: 'degraded',
        circuitOpen: false,
        draining: false,
        observedAt: 50,
      },
      endpoints: [],
    },
    50,
  );
  await upsertProxyClusterHealth(c, [
    {
      proxyId: 'proxy-eu',
      clusterId: 'eu-1',
      health: 'healthy',
      circuitOpen: false,
      rttMs: 4,
      ttftMs: null,
      samples: 3,
      observedAt: 60,
    },
    {
      proxyId: 'proxy-us',
      clusterId: 'eu-1',
      health: 'unhealthy',
      circuitOpen: true,
      rttMs: 80,
      ttftMs: 120,
      samples: 9,
      observedAt: 60,
    },
  ]);
  // Second write of the same (proxy, cluster) updates in place.
  await upsertProxyClusterHealth(c, [
    {
      proxyId: 'proxy-eu',
      clusterId: 'eu-1',
      health: 'healthy',
      circuitOpen: false,
      rttMs: 5,
      ttftMs: 9,
      samples: 4,
      observedAt: 70,
    },
  ]);

  const table = await readClusterStatusTable(c);
  expect(table.map((l) => l.clusterId)).toEqual(['eu-1', 'eu-2', 'us-1']);
  expect(table[0]).toEqual({
    clusterId: 'eu-1',
    region: 'eu-west',
    provider: 'aws',
    proxyId: 'proxy-eu',
    health: 'degraded',
    draining: false,
    proxyDraining: false,
    circuitOpen: true,
    apps: 2,
    hotFree: 5,
    hotBusy: 2,
    warm: 1,
    cold: 20,
    queued: 0,
    observedAt: 50,
  });
  expect(table[1]).toMatchObject({
    clusterId: 'eu-2',
    health: 'unknown',
    apps: 0,
    hotFree: 0,
    observedAt: null,
    circuitOpen: false,
  });
  expect(table[2]).toMatchObject({ clusterId: 'us-1', proxyDraining: true });
  const pch = await c.execute('SELECT COUNT(*) AS n, SUM(rtt_ms) AS rtt FROM proxy_cluster_health');
  expect({ ...pch.rows[0] }).toEqual({ n: 2, rtt: 85 });
});
