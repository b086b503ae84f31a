/**
 * Issue 13 item 3: an inference-aware app's pick — why this replica, its share of the prompt's
 * prefix, its load, every candidate's terms — lands in the outcome row (`replica_pick`, real
 * libSQL, the app's strategy read from the store); other strategies leave it NULL.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy, waitFor } from './harness.ts';

const body = (q: string): string =>
  JSON.stringify({
    model: 'demo-llm',
    max_tokens: 1,
    messages: [
      { role: 'system', content: Array.from({ length: 200 }, (_, i) => `policy-${i}`).join(' ') },
      { role: 'user', content: q },
    ],
  });

describe('the inference-aware pick is recorded in the outcome', () => {
  const sims: SimCluster[] = [];
  let db: Client;
  let proxy: RunningProxy;
  beforeAll(async () => {
    sims.push(await startReplica('c1', 'r0'), await startReplica('c1', 'r1'));
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-pick-'));
    db = createClient({ url: `file:${join(dir, 'sy.db')}` });
    await migrate(db);
    const now = Date.now();
    await db.execute({ sql: 'INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)', args: ['acme', 'Acme', now] });
    await db.execute({
      sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header, residency_json, gpu_types_json, cors_origins_json, updated_at)
            VALUES (?, 'acme', 'chat', 'inference-aware', 0, NULL, NULL, NULL, '{"kind":"any"}', '[]', '[]', ?)`,
      args: [APP, now],
    });
    for (const s of sims) {
      await db.execute({
        sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
        args: ['c1', APP, s.url, now],
      });
    }
    proxy = await startTestProxy({
      endpoints: [],
      config: { reportIntervalMs: 100, replicaExploreRate: 0, endpointsFile: null, storeUrl: `file:${join(dir, 'sy.db')}` },
    });
  });
  afterAll(async () => {
    await proxy.close();
    db.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  it('stores reason, prefix share, load and scores as JSON', async () => {
    for (const q of ['first', 'second']) {
      const r = await request(`${proxy.url}/v4/${APP}/v1/chat/completions`, { method: 'POST', body: body(q), headers: { 'content-type': 'application/json' } });
      expect(r.statusCode).toBe(200);
      await r.body.text();
    }
    const picks = async (): Promise<Array<Record<string, unknown>>> =>
      (await db.execute('SELECT replica_pick FROM outcomes ORDER BY at')).rows.map((row) => JSON.parse(String(row['replica_pick'])) as Record<string, unknown>);
    await waitFor(async () => (await picks()).length === 2, 'two outcomes');
    const [first, second] = await picks();
    // Nobody held the prefix: rendezvous hash. Then the holder scores best, with every candidate's terms.
    expect(first).toMatchObject({ reason: 'hash', prefix: 0 });
    expect(second).toMatchObject({ reason: 'score' });
    expect(Number(second?.['prefix'])).toBeGreaterThan(0.9);
    expect(second?.['scores']).toHaveLength(2);
  });
});
