import { createClient } from '@libsql/client/web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../src/auth.ts';
import { countingEdge } from './counting-edge.ts';
import { fixtures } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

// Tenant isolation: the edge held every API key in memory only while the table had at most
// EDGE_MAX_KEYS of them. One project creating more switched every isolate to a read per key for
// every tenant: each other tenant's key cost a read on its first use, and made-up keys on their
// apps cost a read each. Keys are now held per project (fewest first while the total fits): only
// the project that does not fit reads its keys one by one.
// Its own database: acme's 58 more keys must not move the key totals other files count on.
const db = createClient({ url: fixtures.libsqlUrls.keys });
const env = { LIBSQL_URL: fixtures.libsqlUrls.keys, EDGE_MAX_KEYS: '50', EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000' };
const A_PATH = '/token/v4/acme/chat/generate';
const B_PATH = '/token/v4/other/home/generate';
const madeUp = (): string => `sk_made_up_${crypto.randomUUID().replaceAll('-', '')}`;

/** Project A (acme): 60 keys, more than fit. Project B (other): 3. With the seed's keys. */
const acmeKeys: string[] = [fixtures.keys.acme];
const otherKeys: string[] = [fixtures.keys.other];
const added: string[] = [];

async function addKey(project: string): Promise<string> {
  const key = `sk_${project}_many_${crypto.randomUUID().replaceAll('-', '')}`;
  const id = `k-many-${project}-${added.length}`;
  added.push(id);
  await db.execute({ sql: 'INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, 0, ?)', args: [id, project, await hashKey(key), Date.now()] });
  return key;
}

const code = async (r: Response): Promise<string> => `${r.status} ${r.status === 200 ? '' : ((await r.json()) as ErrorJson).error.code}`.trim();

beforeAll(async () => {
  for (let i = 0; i < 58; i++) acmeKeys.push(await addKey('acme'));
  for (let i = 0; i < 2; i++) otherKeys.push(await addKey('other'));
  const n = await db.execute("SELECT project_id, COUNT(*) AS n FROM api_keys WHERE project_id IN ('acme', 'other') GROUP BY project_id ORDER BY project_id");
  expect(n.rows.map((r) => Number(r['n']))).toEqual([60, 3]); // the seed's acme keys: one live, one revoked
});

afterAll(async () => {
  for (const id of added) await db.execute({ sql: 'DELETE FROM api_keys WHERE id = ?', args: [id] });
  db.close();
});

describe("one project with more keys than fit leaves every other project's keys in memory", () => {
  it("B's keys and B's made-up keys cost no key read; A's keys are read one by one", async () => {
    const e = await countingEdge(env);
    for (const k of otherKeys) expect(await code(await e.call(B_PATH, k))).toBe('200');
    expect(e.reads.key).toBe(0); // was 3: every tenant's keys were read one by one

    const flood = await Promise.all(Array.from({ length: 20 }, async () => code(await e.call(B_PATH, madeUp()))));
    expect(flood).toEqual(Array.from({ length: 20 }, () => '401 unknown-key'));
    expect(e.reads.key).toBe(0); // was 23: one read per made-up key

    // B's key on A's app is still refused as another project's, from memory.
    expect(await code(await e.call(A_PATH, otherKeys[1] as string))).toBe('403 wrong-project');
    expect(e.reads.key).toBe(0);

    // A does not fit: its keys work, each read on its first use.
    for (const k of acmeKeys.slice(0, 3)) expect(await code(await e.call(A_PATH, k))).toBe('200');
    expect(e.reads.key).toBe(3);
    // A made-up key for A costs no read either: the view's filter of A's key hashes lacks it.
    expect(await code(await e.call(A_PATH, madeUp()))).toBe('401 unknown-key');
    expect(e.reads.key).toBe(3); // was 4

    // The operator is told which project's keys are read one by one; B is not named.
    const lines = e.logs.filter((l) => l.includes('keys are read one by one'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('project acme has more keys than fit; its keys are read one by one');
  });

  it("a revoked key of B stops working once the auth clock moves, still without a key read for B's keys", async () => {
    const e = await countingEdge(env);
    const revoked = otherKeys[2] as string;
    expect(await code(await e.call(B_PATH, revoked))).toBe('200');
    await db.execute({ sql: "UPDATE api_keys SET revoked = 1 WHERE id = 'k-many-other-59'", args: [] });
    e.advance(1_100);
    // This request's background clock check finds the clock moved and re-reads the view.
    expect(await code(await e.call(B_PATH, otherKeys[0] as string))).toBe('200');
    expect(await code(await e.call(B_PATH, revoked))).toBe('403 revoked-key');
    expect(await code(await e.call(B_PATH, otherKeys[1] as string))).toBe('200');
    expect(e.reads.key).toBe(0);
  });
});
