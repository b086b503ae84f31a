import { afterAll, describe, expect, it } from 'vitest';
import type { Client } from '../src/libsql.ts';
import { countingEdge } from './counting-edge.ts';
import { fixtures, mainDb } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

// An app the isolate's auth view does not hold was answered 404 unless the request carried a key
// of the path's project, so the first clients of a keyless app created since the isolate's last
// clock check (up to EDGE_REFRESH_MS) got 404 unknown-app. Such a request now waits for one clock
// check that started after it arrived, shared and rate-limited like an unknown key's.
const env = { EDGE_REFRESH_MS: '1000', EDGE_STALE_SNAPSHOT_MS: '30000' };
const NEW_APP = 'acme/keyless-made-just-now';
const db = mainDb();

/** Copies `from`'s rows of `table` to `to` (column `col` holds the app id), overriding `set`. */
async function copyRows(c: Client, table: string, col: string, from: string, to: string, set: Record<string, unknown> = {}): Promise<void> {
  const rs = await c.execute({ sql: `SELECT * FROM ${table} WHERE ${col} = ?`, args: [from] });
  for (const row of rs.rows) {
    const values = rs.columns.map((k) => (k === col ? to : k in set ? set[k] : row[k]) as string | number | null);
    await c.execute({ sql: `INSERT INTO ${table} (${rs.columns.join(', ')}) VALUES (${rs.columns.map(() => '?').join(', ')})`, args: values });
  }
}

describe('an app created since the isolate last checked its clock', () => {
  afterAll(async () => {
    for (const t of ['app_clusters', 'cluster_app_state', 'app_endpoints']) await db.execute({ sql: `DELETE FROM ${t} WHERE app_id = ?`, args: [NEW_APP] });
    await db.execute({ sql: 'DELETE FROM apps WHERE id = ?', args: [NEW_APP] });
    db.close();
  });

  it('a keyless one answers its first keyless request (was 404 unknown-app until the next check)', async () => {
    const e = await countingEdge(env);
    expect((await e.call('/token/v4/acme/chat/generate', fixtures.keys.acme)).status).toBe(200); // the view is loaded
    await copyRows(db, 'apps', 'id', 'acme/chat', NEW_APP, { name: 'keyless-made-just-now', auth_required: 0 });
    for (const t of ['app_clusters', 'cluster_app_state', 'app_endpoints']) await copyRows(db, t, 'app_id', 'acme/chat', NEW_APP);
    e.advance(100); // well within EDGE_REFRESH_MS: no background check would have run yet
    const before = { ...e.reads };
    const res = await e.call(`/token/v4/${NEW_APP}/generate`, null);
    expect(res.status, await res.clone().text()).toBe(200);
    expect([e.reads.clock - before.clock, e.reads.gates - before.gates]).toEqual([1, 1]);
  });

  it('made-up app names still get 404 and share one clock check, with no snapshot read', async () => {
    const e = await countingEdge(env);
    expect((await e.call('/token/v4/acme/chat/generate', fixtures.keys.acme)).status).toBe(200);
    e.advance(300);
    const before = { ...e.reads };
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => e.call(`/token/v4/ghost-${i}/app/generate`, null)));
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorJson).error.code).toBe('unknown-app');
    }
    expect([e.reads.clock - before.clock, e.reads.gates - before.gates, e.reads.snapshot - before.snapshot]).toEqual([1, 0, 0]);
  });
});
