/**
 * Replicas are shared by apps, and a tenant can make a replica fail on purpose (inputs that
 * provoke 500s, generations longer than its TTFB budget). App A's faults on the one replica of
 * c1 eject that replica for A only: B keeps being served by it, and the proxy's cluster-wide
 * health report stays healthy, so the edge's snapshot keeps c1 for every app. (Before, the
 * outlier record was per replica URL and ejected replicas counted as down in the cluster
 * health: three of A's requests got c1 reported `unhealthy`, which disqualifies it for all.)
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempStore, sampleApp, sampleCluster, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { upsertProxy } from '../../control/store/upsert-proxy.ts';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { startProxy, type RunningProxy } from '../src/proxy.ts';
import { libsqlProxyStore } from '../src/store.ts';
import { PROXY_ID, chatBody, rawRequest, testConfig, waitFor } from './harness.ts';

const A = 'acme/a';
const B = 'acme/b';

describe("one app's replica faults never eject a shared replica for others", () => {
  let store: TempStore;
  let replica: Server;
  let url: string;
  let proxy: RunningProxy;
  beforeAll(async () => {
    // One shared replica: the input A sends makes it answer 500, anything else is fine.
    replica = createServer((req, res) => {
      req.resume();
      res.writeHead(req.url === '/v1/poison' ? 500 : 200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    replica.listen(0, '127.0.0.1');
    await once(replica, 'listening');
    url = `http://127.0.0.1:${(replica.address() as { port: number }).port}`;
    store = await openTempStore();
    const c = store.client;
    await upsertProject(c, { id: 'acme', name: 'Acme' }, 1);
    await upsertProxy(c, { id: PROXY_ID, url: 'http://127.0.0.1:1', region: 'eu-west', draining: false }, 1);
    await upsertCluster(c, sampleCluster('c1', { proxyId: PROXY_ID }), 1);
    await upsertApp(c, sampleApp('acme', 'a', { clusters: ['c1'] }), 1);
    await upsertApp(c, sampleApp('acme', 'b', { clusters: ['c1'] }), 1);
    for (const app of [A, B])
      await c.execute({
        sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
        args: ['c1', app, url, Date.now()],
      });
    const config = await testConfig(store.dir, {
      endpoints: [],
      // The circuit stays out of it: this is about passive ejection of the shared replica.
      config: { reportIntervalMs: 50, outlierConsecutiveFailures: 3, circuitFailureThreshold: 100 },
    });
    proxy = await startProxy(
      { ...config, endpointsFile: null },
      { store: libsqlProxyStore(c), logger: pino({ level: 'silent' }) },
    );
  });
  afterAll(async () => {
    await proxy.close();
    replica.closeAllConnections();
    replica.close();
    store.dispose();
  });

  it("ejects the replica for A only, and B is still served by it", async () => {
    for (let i = 0; i < 3; i += 1) {
      const r = await rawRequest(proxy.url, { path: `/v4/${A}/v1/poison`, body: chatBody() });
      expect(r.status).toBe(500);
    }
    const now = Date.now();
    expect(proxy.runtime.outliers.isEjected(A, url, now)).toBe(true);
    expect(proxy.runtime.outliers.isEjected(B, url, now)).toBe(false);
    const b = await rawRequest(proxy.url, { path: `/v4/${B}/v1/chat/completions`, body: chatBody() });
    expect(b.status).toBe(200);
  });

  it('reports c1 healthy, so the snapshot keeps it for B (and A)', async () => {
    const after = Date.now();
    await waitFor(async () => {
      const rs = await store.client.execute({
        sql: "SELECT observed_at FROM proxy_cluster_health WHERE cluster_id = 'c1'",
        args: [],
      });
      return Number(rs.rows[0]?.['observed_at'] ?? 0) > after;
    }, 'a report after the ejection');
    const rs = await store.client.execute("SELECT health FROM proxy_cluster_health WHERE cluster_id = 'c1'");
    expect(rs.rows[0]?.['health']).toBe('healthy');
    const now = Date.now();
    for (const app of [A, B]) {
      const snap = await loadAppSnapshot(store.client, app, now);
      expect(snap?.status.get('c1')?.health).toBe('healthy');
    }
  });
});
