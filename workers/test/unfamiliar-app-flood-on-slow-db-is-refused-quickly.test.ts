/**
 * L7: with a slow database, a flood of unique app names (or keys) must not become as many
 * concurrent queries: beyond EDGE_MAX_FIRST_LOADS reads in flight, the edge answers 503
 * `edge-busy` with Retry-After at once, instead of queueing one more database read.
 */
import { describe, expect, it } from 'vitest';
import { call, eventually, fixtures, seenByProxies } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

// A "database" that accepts the connection and never answers. With keys on, app names are
// checked against the isolate's one shared read of every app's gate before any snapshot read
// (app-gate.ts; refused-requests-read-no-snapshot.test.ts): the snapshot reads bounded here are
// those of callers that passed it, which EDGE_AUTH=off lets every request be.
const env = { LIBSQL_URL: `${fixtures.proxies.eu}/hang-db/`, EDGE_MAX_FIRST_LOADS: '1', EDGE_DB_TIMEOUT_MS: '3000', EDGE_AUTH: 'off' };

/**
 * Until the hanging database has seen `app`'s read: its request then holds a read slot. A fixed
 * pause (200 ms) can end on a loaded machine before that read starts; the next request then
 * takes the slot instead of being refused.
 */
async function untilReading(app: string): Promise<void> {
  const reading = async (): Promise<true | undefined> =>
    (await seenByProxies()).some((r) => r.path.startsWith('/hang-db/') && r.body.includes(app)) || undefined;
  await eventually(reading, 20_000);
}

describe('unfamiliar apps on a slow database', () => {
  it('the read beyond the bound is refused at once with 503 edge-busy and Retry-After', async () => {
    const first = call('/token/v4/acme/flood-a/generate', { env });
    await untilReading('acme/flood-a');
    const t0 = Date.now();
    const res = await call('/token/v4/acme/flood-b/generate', { env });
    const body = (await res.json()) as ErrorJson;
    expect([res.status, body.error.code, res.headers.get('retry-after')]).toEqual([503, 'edge-busy', '1']);
    expect(Date.now() - t0).toBeLessThan(1_500);
    // The read in flight still ends as the database being unreachable.
    expect((await first).status).toBe(503);
  });

  it("one tenant's flood holds at most half of the reads: another tenant's first request still reads", async () => {
    const two = { ...env, EDGE_MAX_FIRST_LOADS: '2' };
    const mine = call('/token/v4/acme/flood-c/generate', { env: two });
    await untilReading('acme/flood-c');
    const more = await call('/token/v4/acme/flood-d/generate', { env: two });
    expect([more.status, ((await more.json()) as ErrorJson).error.code]).toEqual([503, 'edge-busy']); // acme's half is taken
    const t0 = Date.now();
    // Another tenant's read starts (it was refused: acme held both): it ends as the database being unreachable.
    const theirs = await call('/token/v4/other/flood-e/generate', { env: two });
    expect(((await theirs.json()) as ErrorJson).error.code).not.toBe('edge-busy');
    expect(Date.now() - t0).toBeGreaterThan(1_000);
    expect((await mine).status).toBe(503);
  });
});
