import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { startProxy, type RunningProxy } from '../src/proxy.ts';
import { libsqlProxyStore } from '../src/store.ts';
import {
  APP,
  PROXY_ID,
  chatBody,
  rawRequest,
  startReplica,
  testConfig,
  testKeys,
  waitFor,
} from './harness.ts';

describe('the proxy learns endpoints and limits from libSQL and reports back to it', () => {
  let sim: SimCluster;
  let sim2: SimCluster;
  let db: Client;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0');
    sim2 = await startReplica('c1', 'r1');
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-db-'));
    db = createClient({ url: `file:${join(dir, 'sy.db')}` });
    await migrate(db);
    const now = Date.now();
    await db.execute({
      sql: 'INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)',
      args: ['acme', 'Acme', now],
    });
    await db.execute({
      sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header, residency_json, gpu_types_json, cors_origins_json, updated_at)
            VALUES (?, 'acme', 'chat', 'least-outstanding', 1, 50, NULL, NULL, '{"kind":"any"}', '[]', '[]', ?)`,
      args: [APP, now],
    });
    await db.execute({
      sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
      args: ['c1', APP, sim.url, now],
    });
    const config = await testConfig(dir, {
      endpoints: [],
      jwks: keys.jwks,
      config: { reportIntervalMs: 100, refreshIntervalMs: 100, outcomeBatchSize: 1000 },
    });
    proxy = await startProxy(
      { ...config, endpointsFile: null, storeUrl: `file:${join(dir, 'sy.db')}` },
      { store: libsqlProxyStore(db), logger: pino({ level: 'silent' }) },
    );
  });
  afterAll(async () => {
    await proxy.close();
    db.close();
    await sim.close();
    await sim2.close();
  });

  it('serves from the store endpoints, picks up a new one on refresh, and uses the app strategy and limits', async () => {
    expect(proxy.runtime.registry.routing(APP)).toMatchObject({
      strategy: 'least-outstanding',
      limits: { maxConcurrency: 50, maxRps: null },
    });
    await db.execute({
      sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
      args: ['c1', APP, sim2.url, Date.now()],
    });
    await waitFor(
      () => proxy.runtime.registry.endpoints('c1', APP).length === 2,
      'the refresh to see the second endpoint',
    );
  });

  it('writes one outcome row per request with the decision id, its proxy row and cluster health', async () => {
    const did = 'decision-123';
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ max_tokens: 2 }),
      headers: { 'x-switchyard-token': await keys.mint({ did }) },
    });
    expect(r.status).toBe(200);
    await waitFor(
      async () =>
        (await db.execute({ sql: 'SELECT 1 FROM outcomes WHERE decision_id = ?', args: [did] }))
          .rows.length === 1,
      'the outcome row',
    );
    const o = (
      await db.execute({ sql: 'SELECT * FROM outcomes WHERE decision_id = ?', args: [did] })
    ).rows[0];
    expect(o).toMatchObject({
      attempt: 0,
      proxy_id: PROXY_ID,
      cluster_id: 'c1',
      status: 200,
      error: null,
      // Written by the proxy: no decision row exists here, yet the outcome counts for its app.
      app_id: APP,
    });
    expect(Number(o?.['bytes_out'])).toBeGreaterThan(0);
    expect(Number(o?.['bytes_in'])).toBeGreaterThan(0);
    expect(Number(o?.['ttfb_ms'])).toBeGreaterThanOrEqual(0);
    const p = (await db.execute({ sql: 'SELECT * FROM proxies WHERE id = ?', args: [PROXY_ID] }))
      .rows[0];
    expect(p).toMatchObject({ url: proxy.url, region: 'local', draining: 0 });
    await waitFor(
      async () =>
        (
          await db.execute(
            "SELECT ttft_ms FROM proxy_cluster_health WHERE cluster_id = 'c1' AND ttft_ms IS NOT NULL",
          )
        ).rows.length === 1,
      'cluster health with a measured ttfb',
    );
    const h = (await db.execute("SELECT * FROM proxy_cluster_health WHERE cluster_id = 'c1'"))
      .rows[0];
    expect(h).toMatchObject({ proxy_id: PROXY_ID, health: 'healthy', circuit_open: 0 });
  });

  it('marks itself draining in the store when it drains', async () => {
    await proxy.drain(500);
    const p = (
      await db.execute({ sql: 'SELECT draining FROM proxies WHERE id = ?', args: [PROXY_ID] })
    ).rows[0];
    expect(p?.['draining']).toBe(1);
  });
});
