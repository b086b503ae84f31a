import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingEdge, type CountingEdge } from './counting-edge.ts';
import { fixtures, mainDb } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

// P1: past EDGE_MAX_KEYS the isolate reads keys one by one, and a key's project is known only
// once it is read, so those reads were bounded only in total (EDGE_MAX_FIRST_LOADS). With the
// database slow, made-up keys sent to one tenant's app held every read slot, and another tenant's
// first request with its real key got 503 edge-busy. A key's read now counts against the
// project whose app the request calls: such a flood holds at most half of the reads and leaves a
// quarter to tenants with none in flight (swr-cache.ts `firstLoadRefusal`).
// Keys are held per project, so only projects with more keys than fit are read one by one: here
// both, acme (two keys) and other (its seed key and one more, added below), past EDGE_MAX_KEYS 1.
// A made-up key for such a project is refused unread while the view holds a filter of its key
// hashes; a project past that too (EDGE_MAX_FILTERED_KEYS, 0 here) reads every key, as all did.
const env = { EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000', EDGE_MAX_KEYS: '1', EDGE_MAX_FILTERED_KEYS: '0', EDGE_MAX_FIRST_LOADS: '4' };
const madeUp = (): string => `sk_made_up_${crypto.randomUUID().replaceAll('-', '')}`;

/** Polls until the edge has started `n` key reads, for at most 2 s (a refused read never starts). */
async function untilKeyReads(e: CountingEdge, n: number): Promise<void> {
  const end = Date.now() + 2_000;
  while (e.reads.key < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

/**
 * With key reads held: the flood on `paths` (made-up keys) takes what it may, then the other
 * tenant's real key asks for a read; then the reads go on. Their status and the flood's answers.
 */
async function floodThenTheirs(e: CountingEdge, paths: readonly string[]): Promise<{ theirs: number; flood: string[] }> {
  const slow = e.holdKeyReads();
  const before = e.reads.key;
  const flood = paths.map((p) => e.call(p, madeUp()));
  await untilKeyReads(e, before + 2); // half of four: the flood's share
  const theirs = e.call('/token/v4/other/home/generate', fixtures.keys.other);
  await untilKeyReads(e, before + 3);
  slow.release();
  const status = (await theirs).status;
  const answers = await Promise.all(flood);
  const codes = await Promise.all(answers.map(async (r) => `${r.status} ${((await r.json()) as ErrorJson).error.code}`));
  return { theirs: status, flood: codes.sort() };
}

const db = mainDb();
beforeAll(async () => {
  await db.execute({ sql: "INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES ('k-other-second', 'other', ?, 0, 1)", args: ['0'.repeat(64)] });
});
afterAll(async () => {
  await db.execute("DELETE FROM api_keys WHERE id = 'k-other-second'");
  db.close();
});

describe("made-up keys on a slow database hold only their tenant's reads", () => {
  it("a flood of made-up keys on acme's app leaves another tenant's first key read room", async () => {
    const e = await countingEdge(env);
    // Both apps' gates are warm; neither real key has been read yet.
    expect((await e.call('/token/v4/acme/chat/generate', null)).status).toBe(401);
    expect((await e.call('/token/v4/other/home/generate', null)).status).toBe(401);
    const r = await floodThenTheirs(e, Array.from({ length: 6 }, () => '/token/v4/acme/chat/generate'));
    // Was 503 edge-busy: the flood held all four reads. Two reads for acme (half of four), then
    // edge-busy at once; the reads that ran found nothing.
    expect(r).toEqual({ theirs: 200, flood: ['401 unknown-key', '401 unknown-key', '503 edge-busy', '503 edge-busy', '503 edge-busy', '503 edge-busy'] });
  });

  // The path's project is a claim until its app is known: made-up apps, each a tenant with no
  // read in flight, would again take every read. (Made-up projects have no keys, all of which the
  // view holds: their keys cost no read at all.)
  it('made-up keys on made-up apps share one tenant: a real tenant still reads', async () => {
    const e = await countingEdge(env);
    expect((await e.call('/token/v4/other/home/generate', null)).status).toBe(401);
    const r = await floodThenTheirs(e, Array.from({ length: 6 }, (_, i) => `/token/v4/acme/made-up-${i}/generate`));
    expect(r).toEqual({ theirs: 200, flood: ['404 unknown-app', '404 unknown-app', '503 edge-busy', '503 edge-busy', '503 edge-busy', '503 edge-busy'] });
  });

  it('made-up keys on made-up projects cost no key read', async () => {
    const e = await countingEdge(env);
    const answers = await Promise.all(Array.from({ length: 6 }, async (_, i) => (await e.call(`/token/v4/made-up-${i}/app/generate`, madeUp())).status));
    expect(answers).toEqual([404, 404, 404, 404, 404, 404]);
    expect(e.reads.key).toBe(0);
  });
});
