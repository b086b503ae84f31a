import { afterAll, describe, expect, it } from 'vitest';
import { hashKey } from '../src/auth.ts';
import { countingEdge } from './counting-edge.ts';
import { addedKeys, fixtures, mainDb } from './helpers.ts';

// When the API keys outgrow what an isolate holds (EDGE_MAX_KEYS) the edge stops holding them all
// and looks keys up one by one. That step used to start the per-key cache empty: every tenant's
// key in use needed a first load of its own at once, and past EDGE_MAX_FIRST_LOADS in flight the
// rest got 503 `edge-busy` — one tenant creating keys made other tenants' requests fail. Now the
// keys this isolate used are carried over and confirmed by one read.
const env = { EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000', EDGE_MAX_FIRST_LOADS: '2' };
const PATH = '/token/v4/acme/chat/generate';
const db = mainDb();
const keys = addedKeys(db, 'crossing-limit');
const count = async (): Promise<number> => Number((await db.execute('SELECT count(*) AS n FROM api_keys')).rows[0]?.['n']);

describe('the keys outgrow what an isolate holds', () => {
  afterAll(() => keys.removeAll());

  it("serves every tenant's key in use with one read, and a key revoked in the same change is refused", async () => {
    const used = [fixtures.keys.acme];
    for (let i = 0; i < 8; i++) used.push(await keys.add());
    // Room for this test's 10 more keys, and for other files' keys coming and going meanwhile.
    const e = await countingEdge({ ...env, EDGE_MAX_KEYS: String((await count()) + 5) });
    for (const k of used) expect((await e.call(PATH, k)).status).toBe(200);
    expect(e.reads.key).toBe(0); // the view holds every key

    // Another tenant's burst of new keys crosses the limit; one of the keys in use is revoked.
    for (let i = 0; i < 10; i++) await keys.add();
    const revoked = used[4] as string;
    await db.execute({ sql: "UPDATE api_keys SET revoked = 1 WHERE id LIKE 'k-crossing-limit-3-%'", args: [] });
    e.advance(1_100);
    expect((await e.call(PATH, fixtures.keys.acme)).status).toBe(200); // its clock check finds acme has too many keys
    expect(e.edge.authView.key(await hashKey(fixtures.keys.acme), 'acme')).toBeUndefined(); // acme's keys: read one by one

    // Every key in use at once: no first loads (two at most), so no 503.
    const before = e.reads.key;
    const statuses = await Promise.all(used.map(async (k) => (await e.call(PATH, k)).status));
    expect(statuses).toEqual(used.map((k) => (k === revoked ? 403 : 200)));
    expect(e.reads.key - before).toBeLessThanOrEqual(1);
  });
});
