/**
 * Issue 11 item 1 (reports): a circuit is per cluster × app. When app A's replicas in c1 fail
 * and A's circuit opens, this proxy still serves app B from c1, and its report in libSQL marks
 * the circuit open for A only: the edge's snapshot of B keeps c1 open and healthy. The app's
 * request rules (TTFB budget, per-replica cap) reach the proxy from the same apps row.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import {
  openTempStore,
  sampleApp,
  sampleCluster,
  type TempStore,
} from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { upsertProxy } from '../../control/store/upsert-proxy.ts';
import { DEFAULT_REQUEST_RULES } from '../../shared/domain/types.ts';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { startProxy, type RunningProxy } from '../src/proxy.ts';
import { libsqlProxyStore } from '../src/store.ts';
import { PROXY_ID, chatBody, rawRequest, startReplica, testConfig, waitFor } from './harness.ts';

const A = 'acme/a';
const B = 'acme/b';

describe("one app's open circuit never closes the cluster to other apps", () => {
  let store: TempStore;
  let deadA: SimCluster;
  let liveB: SimCluster;
  let proxy: RunningProxy;
  beforeAll(async () => {
    store = await openTempStore();
    const c = store.client;
    deadA = await startReplica('c1', 'a0');
    await deadA.close(); // A's only replica refuses connections
    liveB = await startReplica('c1', 'b0');
    await upsertProject(c, { id: 'acme', name: 'Acme' }, 1);
    await upsertProxy(
      c,
      { id: PROXY_ID, url: 'http://127.0.0.1:1', region: 'eu-west', draining: false },
      1,
    );
    await upsertCluster(c, sampleCluster('c1', { proxyId: PROXY_ID }), 1);
    await upsertApp(
      c,
      sampleApp('acme', 'a', {
        clusters: ['c1'],
        requests: { ...DEFAULT_REQUEST_RULES, ttfbBudgetMs: 1500, maxInFlightPerReplica: 3 },
      }),
      1,
    );
    await upsertApp(c, sampleApp('acme', 'b', { clusters: ['c1'] }), 1);
    for (const [app, url] of [
      [A, deadA.url],
      [B, liveB.url],
    ] as const)
      await c.execute({
        sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
        args: ['c1', app, url, Date.now()],
      });
    const config = await testConfig(store.dir, {
      endpoints: [],
      config: { reportIntervalMs: 50, circuitFailureThreshold: 2, circuitOpenMs: 60_000 },
    });
    proxy = await startProxy(
      { ...config, endpointsFile: null },
      { store: libsqlProxyStore(c), logger: pino({ level: 'silent' }) },
    );
  });
  afterAll(async () => {
    await proxy.close();
    await liveB.close();
    store.dispose();
  });

  it("reads the app's request rules from libSQL", () => {
    expect(proxy.runtime.registry.routing(A).requests).toMatchObject({
      ttfbBudgetMs: 1500,
      maxInFlightPerReplica: 3,
    });
    expect(proxy.runtime.registry.routing(B).requests).toEqual(DEFAULT_REQUEST_RULES);
  });

  it("opens A's circuit on c1 and keeps serving B from c1", async () => {
    for (let i = 0; i < 3; i += 1) {
      const r = await rawRequest(proxy.url, {
        path: `/v4/${A}/v1/chat/completions`,
        body: chatBody(),
      });
      expect(r.status).toBe(503);
    }
    const b = await rawRequest(proxy.url, {
      path: `/v4/${B}/v1/chat/completions`,
      body: chatBody({ max_tokens: 1 }),
    });
    expect([b.status, b.headers['x-sim-replica']]).toEqual([200, 'b0']);
  });

  it('reports the open circuit for A only, so the snapshot keeps c1 for B', async () => {
    await waitFor(async () => {
      const rs = await store.client.execute(
        'SELECT open_circuit_apps_json FROM proxy_cluster_health',
      );
      return rs.rows[0]?.['open_circuit_apps_json'] === JSON.stringify([A]);
    }, 'the report to name A');
    const now = Date.now();
    const forB = await loadAppSnapshot(store.client, B, now);
    const forA = await loadAppSnapshot(store.client, A, now);
    expect(forB?.status.get('c1')).toMatchObject({ circuitOpen: false });
    expect(forB?.status.get('c1')?.health).not.toBe('unhealthy');
    expect(forA?.status.get('c1')).toMatchObject({ circuitOpen: true });
  });
});
