import { afterAll, describe, expect, it } from 'vitest';
import { hashKey } from '../src/auth.ts';
import { countingEdge } from './counting-edge.ts';
import { fixtures, mainDb } from './helpers.ts';

// A key created within 250 ms of the isolate's last auth-clock check was refused 401 on its first
// use (that check had read the clock before the key existed); an unknown key now waits for a check
// that starts after it arrived.
const env = { EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000' };
const PATH = '/token/v4/acme/chat/generate';
const db = mainDb();
const created: string[] = [];

describe('a new key on its first request', () => {
  afterAll(async () => {
    for (const id of created) await db.execute({ sql: 'DELETE FROM api_keys WHERE id = ?', args: [id] });
    db.close();
  });

  it('works right after it is created, not 250 ms later', async () => {
    const e = await countingEdge(env);
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
    const key = `sk_new_key_${crypto.randomUUID().replaceAll('-', '')}`;
    const id = `k-first-use-${Date.now()}`;
    created.push(id);
    await db.execute({ sql: 'INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, 0, ?)', args: [id, 'acme', await hashKey(key), Date.now()] });
    e.advance(100);
    expect((await e.call(PATH, key)).status).toBe(200);
  });
});
