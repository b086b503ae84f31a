/**
 * A spend budget is global across the worker processes of one proxy (PROXY_WORKERS=2) as it is
 * across proxies: what one worker charged is refused by its sibling once their spend sync ran.
 * Each worker writes its spend row under its own holder id (`<id>#<index>`); when both wrote
 * under the proxy's id, each read only "other proxies'" rows, never saw its sibling's spend and
 * overwrote it with its own, so the proxy let through up to one budget per worker.
 * Real processes: one libSQL server, one proxy primary with two workers, one engine.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica, testKeys, waitFor, type TestKeys } from './harness.ts';
import { seedAcmeChat, spawnDbProxy, spawnLibsqlServer, type ChildWithUrl } from './libsql-proxy-processes.ts';

// $1 per output token, prompts free: 10 completion tokens spend the whole $10 day.
const tokenBudget = { spend: { usd: 10, period: 'day' }, pricePerMillionTokens: { input: 0, output: 1_000_000 } };
const PROXY = 'proxy-w';

describe('a spend budget holds across the workers of one proxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-worker-spend-'));
  let db: ChildWithUrl;
  let client: Client;
  let proxy: ChildWithUrl;
  let keys: TestKeys;
  let sim: SimCluster;

  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 400 });
    db = await spawnLibsqlServer(join(dir, 'sy.db'));
    client = createClient({ url: db.url });
    await migrate(client);
    await seedAcmeChat(client, sim.url, { tokenBudget });
    proxy = await spawnDbProxy(PROXY, db.url, keys.jwks, { PROXY_WORKERS: '2', PROXY_LIMIT_LEASE_INTERVAL_MS: '200' });
  }, 120_000);

  afterAll(async () => {
    proxy.child.kill('SIGKILL');
    client.close();
    db.child.kill('SIGKILL');
    await sim.close();
  });

  // A fresh connection per request: the primary hands connections to the workers in turn.
  const chat = async (): Promise<{ status: number; body: string }> =>
    rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ max_tokens: 10 }),
      headers: { 'x-switchyard-token': await keys.mint({ aud: PROXY }), connection: 'close' },
    });

  const rows = async (): Promise<Array<{ usd: number; updatedAt: number }>> => {
    const rs = await client.execute({ sql: 'SELECT usd, updated_at FROM token_spend WHERE app_id = ?', args: [APP] });
    return rs.rows.map((r) => ({ usd: Number(r['usd']), updatedAt: Number(r['updated_at']) }));
  };

  it("what one worker spent is refused by the other, and its spend row is never overwritten", async () => {
    const first = await chat();
    expect(first.status).toBe(200);
    await waitFor(async () => (await rows()).some((r) => r.usd === 10), 'the serving worker to write its $10', 20_000);
    const written = Math.max(...(await rows()).filter((r) => r.usd === 10).map((r) => r.updatedAt));
    // Every row written since: both workers synced after the $10 was in libSQL.
    await waitFor(
      async () => {
        const now = await rows();
        return now.length > 0 && now.every((r) => r.updatedAt > written + 400);
      },
      'both workers to sync after it',
      20_000,
    );
    const next = [];
    for (let i = 0; i < 4; i += 1) next.push((await chat()).status);
    expect(next).toEqual([429, 429, 429, 429]);
    expect((await rows()).reduce((n, r) => n + r.usd, 0)).toBe(10);
  }, 120_000);
});
