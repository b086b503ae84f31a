/**
 * Tenant isolation in the shared database: an app's clients choose its job keys, and every
 * answered request with a new key adds a live pin (a chat app whose job key is the conversation
 * holds one per conversation for `jobPinSeconds`). The snapshot keeps the newest
 * MAX_SNAPSHOT_JOB_PINS of them, but its read found them by (app_id, expires_at): every live pin
 * of the app, sorted. At 50,000–300,000 pins each read took 100–430 ms instead of ~3 ms, on every
 * refresh (EDGE_REFRESH_MS) of every edge isolate serving the app, in the one database every
 * tenant's snapshot, key and decision traffic shares. Migration 35's index is walked newest first
 * and stops at the limit. Against REAL libSQL, through the store's own writes.
 */
import { afterEach, expect, test } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import { openTempStore, sampleApp, sampleCluster, type TempStore, upsertAppAtSchema } from '../../control/store/test-fixtures.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../schema/migrations.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';
import { APP_SNAPSHOT_STATEMENTS, MAX_SNAPSHOT_JOB_PINS, SNAPSHOT_PARTS } from './statements.ts';

const NOW = 1_700_000_000_000;
const PINS = 12_000;
const hex = (i: number): string => i.toString(16).padStart(64, '0');
let store: TempStore | undefined;
afterEach(() => store?.dispose());

/** Project p's app a with PINS live pins (updated one ms apart, the newest last) and 100 expired newer ones; q/b with one pin. */
async function fleet(s: TempStore, schema = SCHEMA_VERSION): Promise<void> {
  for (const id of ['p', 'q']) await upsertProject(s.client, { id, name: id }, 1);
  await upsertCluster(s.client, sampleCluster('c1'), 1);
  await upsertAppAtSchema(s.client, sampleApp('p', 'a', { clusters: ['c1'] }), 1, schema);
  await upsertAppAtSchema(s.client, sampleApp('q', 'b', { clusters: ['c1'] }), 1, schema);
  const row = (app: string, i: number, expiresAt: number, updatedAt: number): string => `('${app}','${hex(i)}','c1','http://r1','px',${expiresAt},${updatedAt})`;
  const rows = Array.from({ length: PINS }, (_, i) => row('p/a', i, NOW + 3_600_000, NOW - PINS + i));
  // A pin with a short jobPinSeconds may have expired though written after longer-lived ones.
  for (let i = 0; i < 100; i++) rows.push(row('p/a', PINS + i, NOW - 1, NOW + i));
  rows.push(row('q/b', 1e9, NOW + 3_600_000, NOW - 5));
  for (let i = 0; i < rows.length; i += 5_000)
    await s.client.execute(`INSERT INTO job_pins (app_id,key_hash,cluster_id,endpoint,proxy_id,expires_at,updated_at) VALUES ${rows.slice(i, i + 5_000).join(',')}`);
}

const newestLive = new Set(Array.from({ length: MAX_SNAPSHOT_JOB_PINS }, (_, i) => hex(PINS - 1 - i)));

test("the pins read walks the app's newest first by index: no read and sort of every live pin", async () => {
  const s = (store = await openTempStore());
  const st = APP_SNAPSHOT_STATEMENTS('p/a', 0, NOW)[SNAPSHOT_PARTS.indexOf('jobPins')];
  if (st === undefined) throw new Error('no jobPins statement');
  const plan = await s.client.execute({ sql: `EXPLAIN QUERY PLAN ${st.sql}`, args: [...st.args] });
  const text = plan.rows.map((r) => String(r['detail'])).join('\n');
  expect(text).toContain('job_pins_by_app_updated');
  expect(text).not.toMatch(/TEMP B-TREE|SCAN job_pins\b/);
});

test.each([
  { schema: SCHEMA_VERSION, what: 'migrated' },
  { schema: 34, what: 'not yet migrated to 35 (a Worker deployed before `db migrate`)' },
])('a database $what: the snapshot holds the newest live pins, and the other app its own', async ({ schema }) => {
  const s = (store = await openTempStore({ migrated: false }));
  await migrate(s.client, { now: 1, migrations: MIGRATIONS.filter((m) => m.version <= schema) });
  await fleet(s, schema);
  const t0 = performance.now();
  const a = await loadAppSnapshot(s.client, 'p/a', NOW);
  // Bench note, not asserted (machine-dependent).
  console.log(`schema ${schema}: p/a's snapshot with ${PINS} live pins read in ${(performance.now() - t0).toFixed(1)} ms`);
  expect(new Set(a?.jobPins?.keys())).toEqual(newestLive);
  const b = await loadAppSnapshot(s.client, 'q/b', NOW);
  expect([...(b?.jobPins?.keys() ?? [])]).toEqual([hex(1e9)]);
});
