/**
 * The proxy enforces the request rules the control plane stored (`apps.requests_json`), the
 * same row the edge reads: a function the app declares is served, the replica's own paths are
 * 404, a body over the stored limit is 413 — and a rules change is picked up on refresh.
 */
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
import { APP, rawRequest, startReplica, testConfig, testKeys, waitFor } from './harness.ts';

describe('app request rules come from libSQL', () => {
  let sim: SimCluster;
  let db: Client;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0');
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-rules-'));
    db = createClient({ url: `file:${join(dir, 'sy.db')}` });
    await migrate(db);
    const now = Date.now();
    await db.execute({ sql: 'INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)', args: ['acme', 'Acme', now] });
    await db.execute({
      sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header, residency_json, gpu_types_json, cors_origins_json, requests_json, updated_at)
            VALUES (?, 'acme', 'chat', 'round-robin', 1, NULL, NULL, NULL, '{"kind":"any"}', '[]', '[]', ?, ?)`,
      args: [APP, JSON.stringify({ functions: ['v1/models'], maxBodyBytes: 100 }), now],
    });
    await db.execute({
      sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
      args: ['c1', APP, sim.url, now],
    });
    const config = await testConfig(dir, { endpoints: [], jwks: keys.jwks, config: { refreshIntervalMs: 100 } });
    proxy = await startProxy(
      { ...config, endpointsFile: null, storeUrl: `file:${join(dir, 'sy.db')}` },
      { store: libsqlProxyStore(db), logger: pino({ level: 'silent' }) },
    );
  });
  afterAll(async () => {
    await proxy.close();
    db.close();
    await sim.close();
  });

  const call = async (path: string, body?: string): Promise<number> =>
    (
      await rawRequest(proxy.url, {
        method: body === undefined ? 'GET' : 'POST',
        path: `/v4/${APP}/${path}`,
        ...(body === undefined ? {} : { body }),
        headers: { 'x-switchyard-token': await keys.mint() },
      })
    ).status;

  it('serves only the stored functions, within the stored body limit, and follows a change', async () => {
    expect(await call('v1/models')).toBe(200);
    expect(await call('v1/chat/completions')).toBe(404);
    expect(await call('metrics')).toBe(404);
    expect(await call('v1/models', 'x'.repeat(101))).toBe(413);
    await db.execute({ sql: 'UPDATE apps SET requests_json = ? WHERE id = ?', args: [JSON.stringify({ functions: ['v1/*'] }), APP] });
    await waitFor(() => proxy.runtime.registry.routing(APP).requests.functions.includes('v1/*'), 'the refresh to see the new rules');
    expect(await call('v1/chat/completions', JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'hi' }] }))).toBe(200);
  });
});
