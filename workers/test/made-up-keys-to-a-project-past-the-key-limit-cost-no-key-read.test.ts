import { afterAll, describe, expect, it } from 'vitest';
import { countingEdge, type CountingEdge } from './counting-edge.ts';
import { addedKeys, fixtures, mainDb } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

// G1 (s47): a project with more keys than an isolate holds (EDGE_MAX_KEYS; a tenant issuing one
// key per end-user) had its keys looked up one by one, so anyone, with no key of their own, could
// send made-up keys to its apps and cost the database every tenant shares one `api_keys` read
// each (300 sequential made-up keys: 300 reads in 0.7 s). The auth view now holds a filter of
// such a project's key hashes (4 bytes a key): a made-up key is refused from memory, as for a
// project whose keys all fit, and a key created a moment ago is found by the same shared clock
// check. Here EDGE_MAX_KEYS 1 puts acme (two keys and more added below) past the limit.
const env = { EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000', EDGE_MAX_KEYS: '1' };
const PATH = '/token/v4/acme/chat/generate';
const madeUp = (): string => `sk_made_up_${crypto.randomUUID().replaceAll('-', '')}`;
const keys = addedKeys(mainDb(), 'past-limit');

function readsSince(e: CountingEdge, before: Record<string, number>): Record<string, number> {
  return { key: e.reads.key - (before['key'] ?? 0), clock: e.reads.clock - (before['clock'] ?? 0), gates: e.reads.gates - (before['gates'] ?? 0) };
}

async function expectUnknown(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(((await res.json()) as ErrorJson).error.code).toBe('unknown-key');
}

describe('made-up keys to a project past EDGE_MAX_KEYS cost no key read', () => {
  afterAll(() => keys.removeAll());

  it('made-up keys one after another, no key of their own: 401 each, no key read', async () => {
    const e = await countingEdge(env);
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200); // acme's real key: one read
    const before = { ...e.reads };
    for (let i = 0; i < 30; i++) {
      e.advance(300); // each its own clock check (past the 250 ms recheck spacing)
      await expectUnknown(await e.call(PATH, madeUp()));
    }
    const reads = readsSince(e, before);
    console.log(JSON.stringify({ madeUpKeys: 30, ...reads }));
    expect(reads.key).toBe(0); // was 30: one read each
    expect(reads.gates).toBe(0); // the clock stood still
    expect(reads.clock).toBeLessThanOrEqual(30);
  });

  it('200 made-up keys at once: 401 each, no key read, one clock read shared', async () => {
    const e = await countingEdge(env);
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
    e.advance(300);
    const before = { ...e.reads };
    const answers = await Promise.all(Array.from({ length: 200 }, () => e.call(PATH, madeUp())));
    for (const res of answers) await expectUnknown(res);
    const reads = readsSince(e, before);
    expect(reads.key).toBe(0);
    expect(reads.clock).toBeLessThanOrEqual(2);
    // The project's real key still works, from the key cache.
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
  });

  it('every real key of the project works, and a revoked one is refused as revoked', async () => {
    const e = await countingEdge(env);
    const real = await keys.add();
    const revoked = await keys.add({ revoked: true });
    e.advance(300);
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
    expect((await e.call(PATH, real)).status).toBe(200);
    const res = await e.call(PATH, revoked);
    expect(res.status).toBe(403);
    expect(((await res.json()) as ErrorJson).error.code).toBe('revoked-key');
  });

  it('a key created after the filter was read works on its first request', async () => {
    const e = await countingEdge(env);
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200);
    const key = await keys.add();
    e.advance(100); // within the recheck spacing: the check still starts after the key arrived
    const before = { ...e.reads };
    expect((await e.call(PATH, key)).status).toBe(200);
    // One clock read showed it moved, one read of gates, keys and filter; then the key's own read,
    // and one re-read of the keys cached one by one (acme's first key), as on any clock move.
    expect(readsSince(e, before)).toEqual({ key: 2, clock: 1, gates: 1 });
    // A made-up key after that re-read is still refused unread.
    e.advance(300);
    const after = { ...e.reads };
    await expectUnknown(await e.call(PATH, madeUp()));
    expect(readsSince(e, after).key).toBe(0);
  });
});
