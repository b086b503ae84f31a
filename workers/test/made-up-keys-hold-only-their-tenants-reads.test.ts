import { describe, expect, it } from 'vitest';
import { countingEdge } from './counting-edge.ts';
import { fixtures } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

// P1: past EDGE_MAX_KEYS the isolate reads keys one by one, and a key's project is known only
// once it is read, so those reads were bounded only in total (EDGE_MAX_FIRST_LOADS). With the
// database slow, made-up keys sent to one tenant's app held every read slot, and another tenant's
// first request with its real key got 503 edge-busy. A key's read now counts against the
// project whose app the request calls: such a flood holds at most half of the reads and leaves a
// quarter to tenants with none in flight (swr-cache.ts `firstLoadRefusal`).
const env = { EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000', EDGE_MAX_KEYS: '1', EDGE_MAX_FIRST_LOADS: '4' };
const madeUp = (): string => `sk_made_up_${crypto.randomUUID().replaceAll('-', '')}`;

describe("made-up keys on a slow database hold only their tenant's reads", () => {
  it("a flood of made-up keys on acme's app leaves another tenant's first key read room", async () => {
    const e = await countingEdge(env);
    // Both apps' gates and snapshots are warm; neither real key has been read yet.
    expect((await e.call('/token/v4/acme/chat/generate', null)).status).toBe(401);
    expect((await e.call('/token/v4/other/home/generate', null)).status).toBe(401);
    const slow = e.holdKeyReads();
    const flood = Array.from({ length: 6 }, () => e.call('/token/v4/acme/chat/generate', madeUp()));
    await new Promise((r) => setTimeout(r, 50));
    const theirs = e.call('/token/v4/other/home/generate', fixtures.keys.other);
    await new Promise((r) => setTimeout(r, 50));
    slow.release();
    // Was 503 edge-busy: the flood held all four reads.
    expect((await theirs).status).toBe(200);
    const answers = await Promise.all(flood);
    const codes = await Promise.all(answers.map(async (r) => `${r.status} ${((await r.json()) as ErrorJson).error.code}`));
    // Two reads for acme (half of four), then edge-busy at once; the reads that ran found nothing.
    expect(codes.sort()).toEqual(['401 unknown-key', '401 unknown-key', '503 edge-busy', '503 edge-busy', '503 edge-busy', '503 edge-busy']);
  });

  // The path's project is a claim until its app is known: made-up projects, each a tenant with
  // no read in flight, would again take every read.
  it('made-up keys on made-up projects share one tenant: a real tenant still reads', async () => {
    const e = await countingEdge(env);
    expect((await e.call('/token/v4/other/home/generate', null)).status).toBe(401);
    const slow = e.holdKeyReads();
    const flood = Array.from({ length: 6 }, (_, i) => e.call(`/token/v4/made-up-${i}/app/generate`, madeUp()));
    await new Promise((r) => setTimeout(r, 50));
    const theirs = e.call('/token/v4/other/home/generate', fixtures.keys.other);
    await new Promise((r) => setTimeout(r, 50));
    slow.release();
    expect((await theirs).status).toBe(200);
    const answers = await Promise.all(flood);
    const codes = await Promise.all(answers.map(async (r) => `${r.status} ${((await r.json()) as ErrorJson).error.code}`));
    expect(codes.sort()).toEqual(['404 unknown-app', '404 unknown-app', '503 edge-busy', '503 edge-busy', '503 edge-busy', '503 edge-busy']);
  });
});
