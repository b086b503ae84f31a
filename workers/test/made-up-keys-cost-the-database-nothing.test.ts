import { afterAll, describe, expect, it } from 'vitest';
import { countingEdge } from './counting-edge.ts';
import { addedKeys, fixtures, mainDb } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

// P1: each distinct well-formed key the isolate had not seen cost one libSQL read, under one of
// the EDGE_MAX_FIRST_LOADS slots; a client sending made-up keys (to any app it could name) filled
// those slots whenever the database was slow, and every other tenant's uncached key got 503
// edge-busy. The isolate now holds every key's hash with the app gates (one read, refreshed by the
// auth clock): a made-up key is refused from memory, and one created a moment ago is found by a
// clock check that all unknown keys share (at most one per 250 ms), which starts after the key
// arrived (one that had read the clock before the key existed refused it 401 on first use).
const env = { EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000' };
const PATH = '/token/v4/acme/chat/generate';
const db = mainDb();
const keys = addedKeys(db, 'made-up-test');

describe('made-up keys cost the database nothing', () => {
  afterAll(() => keys.removeAll());

  it('200 distinct made-up keys at once: 401 each, no key read, one clock read', async () => {
    const e = await countingEdge(env);
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
    const before = { ...e.reads };
    e.advance(300);
    const answers = await Promise.all(Array.from({ length: 200 }, () => e.call(PATH, `sk_made_up_${crypto.randomUUID().replaceAll('-', '')}`)));
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as ErrorJson).error.code).toBe('unknown-key');
    }
    const reads = { key: e.reads.key - before.key, clock: e.reads.clock - before.clock, gates: e.reads.gates - before.gates, snapshot: e.reads.snapshot - before.snapshot };
    console.log(JSON.stringify({ madeUpKeys: 200, ...reads }));
    expect(reads.key).toBe(0); // was 200: one per key
    expect(reads.clock).toBeLessThanOrEqual(2);
    expect(reads.snapshot).toBe(0);
    // The project's real key still works at once.
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
  });

  it('a key created after the isolate loaded its keys works on its first request', async () => {
    const e = await countingEdge(env);
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
    const key = await keys.add();
    e.advance(300);
    const before = { ...e.reads };
    expect((await e.call(PATH, key)).status).toBe(200);
    // One clock read showed it moved; one read of gates and keys brought the new key.
    expect([e.reads.clock - before.clock, e.reads.gates - before.gates, e.reads.key - before.key]).toEqual([1, 1, 0]);
  });

  it('more keys than EDGE_MAX_KEYS: real keys are looked up one by one; a made-up one still costs no read', async () => {
    const e = await countingEdge({ ...env, EDGE_MAX_KEYS: '1' });
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
    e.advance(300);
    expect((await e.call(PATH, `sk_made_up_${crypto.randomUUID().replaceAll('-', '')}`)).status).toBe(401);
    // Was 2: the made-up key was read too. The view's filter of acme's key hashes refuses it
    // (made-up-keys-to-a-project-past-the-key-limit-cost-no-key-read.test.ts).
    expect(e.reads.key).toBe(1);
  });

  it('a new key that takes the table past EDGE_MAX_KEYS is looked up, not refused unread', async () => {
    const count = Number((await db.execute('SELECT count(*) AS n FROM api_keys')).rows[0]?.n);
    const e = await countingEdge({ ...env, EDGE_MAX_KEYS: String(count + 1) });
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200); // the view holds every key
    const key = await keys.add();
    await keys.add(); // a second one: the table is now past the limit
    e.advance(300); // past the unknown-key recheck interval
    // Its recheck re-reads the keys, finds too many to hold, and the key must then be read.
    expect((await e.call(PATH, key)).status).toBe(200);
  });

  it('a key created just after a clock check works on its first request, not 250 ms later', async () => {
    const e = await countingEdge(env);
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
    const key = await keys.add();
    e.advance(100);
    expect((await e.call(PATH, key)).status).toBe(200);
  });
});
