/**
 * An app anyone may call (`auth: false`, from libSQL as the control plane stores it) shares its
 * project's replica with the project's private apps. Its callers are nobody's: with the project's
 * salt they could repeat a private app's prompt and see its cached tokens. So an open app's
 * prompt cache is its own; the project's private apps still share theirs.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import pino from 'pino';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { startProxy, type RunningProxy } from '../src/proxy.ts';
import { libsqlProxyStore } from '../src/store.ts';
import { startReplica, testConfig, testKeys, waitFor } from './harness.ts';
import { chatBody } from './prefix-chat.ts';

const APPS = { private: 'acme/chat', private2: 'acme/agent', open: 'acme/demo' } as const;

describe("an open app's callers never reach its project's cached prompts", () => {
  let sim: SimCluster;
  let db: Client;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  const client = new Agent({ connections: 4 });

  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { slots: 4, queue: 64, tokensPerSecond: 5_000, prefillTokensPerSecond: 20_000 });
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-open-salt-'));
    db = createClient({ url: `file:${join(dir, 'sy.db')}` });
    await migrate(db);
    const now = Date.now();
    await db.execute({ sql: 'INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)', args: ['acme', 'Acme', now] });
    for (const [id, auth] of [[APPS.private, 1], [APPS.private2, 1], [APPS.open, 0]] as const) {
      await db.execute({
        sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header, residency_json, gpu_types_json, cors_origins_json, requests_json, updated_at)
              VALUES (?, 'acme', ?, 'round-robin', ?, NULL, NULL, NULL, '{"kind":"any"}', '[]', '[]', '{}', ?)`,
        args: [id, id.split('/')[1] ?? '', auth, now],
      });
      await db.execute({ sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)', args: ['c1', id, sim.url, now] });
    }
    const config = await testConfig(dir, { endpoints: [], jwks: keys.jwks, config: { refreshIntervalMs: 100 } });
    proxy = await startProxy({ ...config, endpointsFile: null, storeUrl: `file:${join(dir, 'sy.db')}` }, { store: libsqlProxyStore(db), logger: pino({ level: 'silent' }) });
    await waitFor(() => proxy.runtime.registry.routing(APPS.open).open, 'the registry to load the apps');
  });
  afterAll(async () => {
    await proxy.close();
    await client.close();
    db.close();
    await sim.close();
  });

  const cached = async (app: string, body: string): Promise<number> => {
    const r = await request(`${proxy.url}/v4/${app}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: client,
      body,
      headers: { 'content-type': 'application/json', 'x-switchyard-token': await keys.mint({ app }) },
    });
    await r.body.text();
    expect(r.statusCode).toBe(200);
    return Number(r.headers['x-sim-cached-tokens']);
  };

  it("the open app gets none of a private app's cached prompt; the private apps share theirs", async () => {
    await cached(APPS.private, chatBody('private-contract', 'summarise'));
    expect(await cached(APPS.private2, chatBody('private-contract', 'again'))).toBeGreaterThan(500);
    expect(await cached(APPS.open, chatBody('private-contract', 'probe'))).toBe(0);
    // …and what the open app's callers send stays theirs too.
    await cached(APPS.open, chatBody('public-question', 'q'));
    expect(await cached(APPS.private, chatBody('public-question', 'q2'))).toBe(0);
  });
});
