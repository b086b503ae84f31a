import { afterAll, describe, expect, it } from 'vitest';
import { countingEdge } from './counting-edge.ts';
import { addedKeys, eventually, fixtures, mainDb } from './helpers.ts';

// With more keys than an isolate holds (EDGE_MAX_KEYS), the edge caches keys one by one, and every
// auth change (any key or app gate created, changed or revoked, by any tenant) re-read each cached
// key with its own query, all at once: an isolate that had seen thousands of keys sent thousands of
// concurrent reads per change. They are now re-read in one round trip.
const env = { EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000' };
const PATH = '/token/v4/acme/chat/generate';
const db = mainDb();
const keys = addedKeys(db, 'reload-in-one-read');

describe('an auth change with keys cached one by one', () => {
  afterAll(() => keys.removeAll());

  it('re-reads every cached key in one read, and a revocation still lands', async () => {
    const used = [fixtures.keys.acme];
    for (let i = 0; i < 40; i++) used.push(await keys.add());
    // More keys than the view holds, with room to spare for other files' keys coming and going,
    // and a key cache (EDGE_MAX_KEYS entries too) that keeps every key this test uses.
    const count = Number((await db.execute('SELECT count(*) AS n FROM api_keys')).rows[0]?.['n']);
    const e = await countingEdge({ ...env, EDGE_MAX_KEYS: String(count - 20) });
    used.splice(9);
    for (const k of used) expect((await e.call(PATH, k)).status).toBe(200);
    expect(e.reads.key).toBe(used.length); // one first load each, as before

    // Another change: this test revokes one of its keys (the auth clock moves).
    const revoked = used[3] as string;
    await db.execute({ sql: "UPDATE api_keys SET revoked = 1 WHERE id LIKE 'k-reload-in-one-read-2-%'", args: [] });
    e.advance(1_100); // past EDGE_REFRESH_MS: the next request checks the clock in the background
    const before = e.reads.key;
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
    expect(e.reads.key - before).toBe(1); // was 9: one per cached key
    // The re-read runs off the request path (it ends a round trip later): then the key is refused.
    expect(await eventually(async () => ((await e.call(PATH, revoked)).status === 403 ? true : undefined))).toBe(true);
  });
});
