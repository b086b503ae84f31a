/**
 * Tenant isolation in the shared database: a client holding a real key could name made-up apps
 * of its own project (`/v4/acme/<anything>/…`), and each name the isolate's auth view did not
 * hold cost one snapshot read (a batch of twelve statements) in the database every tenant's
 * snapshot, key and decision traffic shares. Only concurrency bounded it (EDGE_MAX_FIRST_LOADS):
 * on a fast database, thousands of reads a second per isolate, each answered 404. Keyless callers
 * and made-up keys already cost at most one shared clock check; a real key now waits for that
 * same check (one per 250 ms, started after the request arrived) and reads a snapshot only for an
 * app the check found, so an app created a moment ago still answers its first request.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Client } from '../src/libsql.ts';
import { countingEdge } from './counting-edge.ts';
import { fixtures, mainDb } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

const env = { EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000' };
const NEW_APP = 'acme/keyed-made-just-now';
const db = mainDb();

/** Copies `from`'s rows of `table` to `to` (column `col` holds the app id), overriding `set`. */
async function copyRows(c: Client, table: string, col: string, from: string, to: string, set: Record<string, unknown> = {}): Promise<void> {
  const rs = await c.execute({ sql: `SELECT * FROM ${table} WHERE ${col} = ?`, args: [from] });
  for (const row of rs.rows) {
    const values = rs.columns.map((k) => (k === col ? to : k in set ? set[k] : row[k]) as string | number | null);
    await c.execute({ sql: `INSERT INTO ${table} (${rs.columns.join(', ')}) VALUES (${rs.columns.map(() => '?').join(', ')})`, args: values });
  }
}

describe("made-up app names of the key's own project", () => {
  afterAll(async () => {
    for (const t of ['app_clusters', 'cluster_app_state', 'app_endpoints']) await db.execute({ sql: `DELETE FROM ${t} WHERE app_id = ?`, args: [NEW_APP] });
    await db.execute({ sql: 'DELETE FROM apps WHERE id = ?', args: [NEW_APP] });
    db.close();
  });

  it('200 at once with a real key: 404 each, no snapshot read, one clock read', async () => {
    const e = await countingEdge(env);
    expect((await e.call('/token/v4/acme/chat/generate', fixtures.keys.acme)).status).toBe(200); // the view is loaded
    e.advance(300);
    const before = { ...e.reads };
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => e.call(`/token/v4/acme/made-up-${i}-${crypto.randomUUID()}/generate`, fixtures.keys.acme)));
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorJson).error.code).toBe('unknown-app');
    }
    const reads = { snapshot: e.reads.snapshot - before.snapshot, clock: e.reads.clock - before.clock, gates: e.reads.gates - before.gates };
    console.log(JSON.stringify({ madeUpApps: 200, ...reads }));
    expect(reads.snapshot).toBe(0); // was 200: one per name
    expect(reads.clock).toBeLessThanOrEqual(2);
    // The project's real app still answers at once.
    expect((await e.call('/token/v4/acme/chat/generate', fixtures.keys.acme)).status).toBe(200);
  });

  it('an app created since the last clock check answers its first keyed request', async () => {
    const e = await countingEdge(env);
    expect((await e.call('/token/v4/acme/chat/generate', fixtures.keys.acme)).status).toBe(200);
    await copyRows(db, 'apps', 'id', 'acme/chat', NEW_APP, { name: 'keyed-made-just-now' });
    for (const t of ['app_clusters', 'cluster_app_state', 'app_endpoints']) await copyRows(db, t, 'app_id', 'acme/chat', NEW_APP);
    e.advance(100); // well within EDGE_REFRESH_MS: no background check would have run yet
    const res = await e.call(`/token/v4/${NEW_APP}/generate`, fixtures.keys.acme);
    expect(res.status, await res.clone().text()).toBe(200);
    // Another project's key is still refused for it, naming only the app asked for.
    const other = await e.call(`/token/v4/${NEW_APP}/generate`, fixtures.keys.other);
    expect([other.status, ((await other.json()) as ErrorJson).error.code]).toEqual([403, 'wrong-project']);
  });
});
