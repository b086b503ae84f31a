/**
 * Issue 10 P1, "no tenant may ever be able to affect another", against REAL libSQL: the snapshot's
 * tenants statement reads other apps' inflow from `inflow_seconds` (migration 22, kept by the
 * database on each outcome write), never from `outcomes`, so its cost does not grow with their
 * traffic (at 10k outcomes/s the scan took 549 ms of the edge's 2 s read timeout). What must still
 * hold: the same sums as the per-outcome count it replaces (OLD_TENANTS_SQL below), whichever way
 * an outcome gets its app (written by a v21+ proxy, copied from a decision already there, or
 * filled when its decision lands later), whatever its status; and a database migrated with
 * outcomes already in it reads the same right after the migration.
 */
import { afterEach, expect, test } from 'vitest';
import { insertOutcomes } from '../../control/store/insert-outcomes.ts';
import { migrate } from '../../control/store/migrate.ts';
import { openTempStore, sampleApp, sampleCluster, type TempStore, upsertAppAtSchema } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../schema/migrations.ts';
import { parseTenantRows } from './parse-tenants.ts';
import type { Row } from './row-values.ts';
import { APP_SNAPSHOT_STATEMENTS, INFLOW_WINDOW_MS, SNAPSHOT_PARTS } from './statements.ts';

/** A whole second, as the old count's window start then is (`NOW - INFLOW_WINDOW_MS`). */
const NOW = 1_700_000_000_000;
let store: TempStore | undefined;
afterEach(() => store?.dispose());

/** The tenants statement before migration 22: a pass over the window's outcomes (the reference). */
const OLD_TENANTS_SQL = `WITH recent AS (
    SELECT o.app_id AS app_id, o.cluster_id AS cluster_id, COUNT(*) AS requests,
      AVG(CASE WHEN o.status > 0 AND o.status < 400 THEN o.duration_ms END) AS mean_duration_ms
    FROM outcomes o
    WHERE o.at >= ? AND o.cluster_id IN (SELECT cluster_id FROM app_clusters WHERE app_id = ?) AND o.app_id <> ?
      AND (o.status < 400 OR o.status >= 500 OR o.status = 429)
    GROUP BY o.app_id, o.cluster_id)
  SELECT ac.app_id AS app_id, ac.cluster_id AS cluster_id,
    CASE WHEN ac.cluster_id IN (SELECT cluster_id FROM app_clusters WHERE app_id = ?) THEN COALESCE(r.requests, 0) END AS inflow_requests,
    r.mean_duration_ms AS mean_duration_ms
  FROM app_clusters ac
  LEFT JOIN recent r ON r.app_id = ac.app_id AND r.cluster_id = ac.cluster_id
  WHERE ac.app_id <> ? AND ac.app_id IN
    (SELECT app_id FROM app_clusters WHERE cluster_id IN (SELECT cluster_id FROM app_clusters WHERE app_id = ?))
  ORDER BY ac.app_id, ac.cluster_id`;

type Sums = Array<{ key: string; requests: number | null; meanMs: number | null }>;

const sums = (rows: readonly Row[]): Sums =>
  rows.map((r) => ({
    key: `${String(r['app_id'])}@${String(r['cluster_id'])}`,
    requests: r['inflow_requests'] === null ? null : Number(r['inflow_requests']),
    // Summed in another order (per second, then per window): equal to ~1e-9 ms.
    meanMs: r['mean_duration_ms'] === null ? null : Number(Number(r['mean_duration_ms']).toFixed(6)),
  }));

async function oldSums(s: TempStore, appId: string, now: number): Promise<Sums> {
  const rs = await s.client.execute({ sql: OLD_TENANTS_SQL, args: [now - INFLOW_WINDOW_MS, appId, appId, appId, appId, appId] });
  return sums(rs.rows);
}

async function tenantRows(s: TempStore, appId: string, now: number): Promise<Row[]> {
  const st = APP_SNAPSHOT_STATEMENTS(appId, now - 60_000, now)[SNAPSHOT_PARTS.indexOf('tenants')];
  if (st === undefined) throw new Error('no tenants statement');
  return [...(await s.client.execute({ sql: st.sql, args: [...st.args] })).rows];
}

/** p/a reads; p/b is on both of its clusters and a third one; p/c shares c2 only. */
/** `schema`: the version `s` is migrated to (default: the latest). */
async function fleet(s: TempStore, schema = SCHEMA_VERSION): Promise<void> {
  await upsertProject(s.client, { id: 'p', name: 'P' }, 1);
  for (const id of ['c1', 'c2', 'c3']) await upsertCluster(s.client, sampleCluster(id), 1);
  await upsertAppAtSchema(s.client, sampleApp('p', 'a', { clusters: ['c1', 'c2'] }), 1, schema);
  await upsertAppAtSchema(s.client, sampleApp('p', 'b', { clusters: ['c1', 'c2', 'c3'] }), 1, schema);
  await upsertAppAtSchema(s.client, sampleApp('p', 'c', { clusters: ['c2'] }), 1, schema);
}

/** How an outcome gets its app: written by the proxy, copied from its decision, or filled when the decision lands later. */
type Path = 'written' | 'decision-first' | 'outcome-first';
interface Attempt { app: string; cluster: string | null; status: number; durationMs: number; at: number; path: Path }

const STATUSES = [200, 201, 302, 400, 404, 429, 500, 501, 503, 0] as const;
const CLUSTERS = ['c1', 'c2', 'c3'] as const;
const PATHS: readonly Path[] = ['written', 'decision-first', 'outcome-first'];

/** Every app × cluster × status × path, spread over 16 s before NOW to 0.5 s after it (deterministic). */
function mixedAttempts(now: number): Attempt[] {
  const out: Attempt[] = [];
  let i = 0;
  for (const app of ['p/a', 'p/b', 'p/c']) {
    for (const cluster of CLUSTERS) {
      for (const status of STATUSES) {
        for (const path of PATHS) {
          out.push({ app, cluster, status, path, durationMs: 5 + ((i * 37) % 900) + (i % 3) * 0.25, at: now - 16_000 + ((i * 2_741) % 16_500) });
          i++;
        }
      }
    }
  }
  // No cluster (a request that never reached one), and outcomes 64 s old in the ring slot of a
  // window second: one before that second's first outcome (the slot restarts), one after it
  // (dropped, not restarting the slot).
  out.push({ app: 'p/b', cluster: null, status: 200, durationMs: 10, at: now - 2_000, path: 'written' });
  out.unshift(
    { app: 'p/b', cluster: 'c1', status: 200, durationMs: 7_000, at: now - 3_000 - 64_000, path: 'written' },
    { app: 'p/b', cluster: 'c1', status: 200, durationMs: 40, at: now - 3_000, path: 'written' },
  );
  out.push({ app: 'p/b', cluster: 'c1', status: 200, durationMs: 9_000, at: now - 3_000 - 64_000, path: 'decision-first' });
  return out;
}

const decisionRow = (id: string, a: Attempt) => ({
  sql: `INSERT INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, explanation_json, input_json)
        VALUES (?, ?, ?, 'f', 0, 'routed', ?, 'fastest-predicted', 'v', 's', 0, '{}', '{"v":1,"request":{"client":{"colo":"FRA"}}}')`,
  args: [id, a.at, a.app, a.cluster ?? 'c1'],
});

/** Decisions that come first, then every outcome in order (one batch, as a proxy flushes), then the late decisions. */
async function write(s: TempStore, attempts: readonly Attempt[], idPrefix = 'd'): Promise<void> {
  const ids = attempts.map((a, k) => ({ id: `${idPrefix}${k}`, a }));
  await s.client.batch(ids.filter(({ a }) => a.path === 'decision-first').map(({ id, a }) => decisionRow(id, a)), 'write');
  await insertOutcomes(s.client, ids.map(({ id, a }) => ({
    decisionId: id, appId: a.path === 'written' ? a.app : null, attempt: 0, proxyId: 'px', clusterId: a.cluster, endpoint: null,
    status: a.status, ttfbMs: 50, durationMs: a.durationMs, bytesIn: 0, bytesOut: 0, error: null, at: a.at,
  })));
  await s.client.batch(ids.filter(({ a }) => a.path === 'outcome-first').map(({ id, a }) => decisionRow(id, a)), 'write');
}

test('the tenants statement reads the per-second ring, never the outcomes table', async () => {
  const s = (store = await openTempStore());
  const st = APP_SNAPSHOT_STATEMENTS('p/a', NOW - 60_000, NOW)[SNAPSHOT_PARTS.indexOf('tenants')];
  if (st === undefined) throw new Error('no tenants statement');
  const rows = await s.client.execute({ sql: `EXPLAIN QUERY PLAN ${st.sql}`, args: [...st.args] });
  const plan = rows.rows.map((r) => String(r['detail'])).join('\n');
  expect(plan).not.toMatch(/\boutcomes\b|\bo USING\b/);
  // Only the window's seconds of each of the app's clusters, not the ring's 64 rows per tenant.
  expect(plan).toMatch(/SEARCH r USING (COVERING )?INDEX inflow_seconds_cluster_second \(cluster_id=\? AND second>\?\)/);
});

test('the ring sums what the per-outcome count summed: every status, every way an outcome gets its app', async () => {
  const s = (store = await openTempStore());
  await fleet(s);
  await write(s, mixedAttempts(NOW));
  const expected = await oldSums(s, 'p/a', NOW);
  // The data set is not trivial: both tenants have attempts and durations on both clusters.
  expect(expected.filter((e) => (e.requests ?? 0) > 0 && e.meanMs !== null).map((e) => e.key)).toEqual(['p/b@c1', 'p/b@c2', 'p/c@c2']);
  expect(sums(await tenantRows(s, 'p/a', NOW))).toEqual(expected);
  // And from the other side: p/b's view of p/a and p/c.
  expect(sums(await tenantRows(s, 'p/b', NOW))).toEqual(await oldSums(s, 'p/b', NOW));
});

test('a window starting inside a second counts that second by the share of it inside the window', async () => {
  const s = (store = await openTempStore());
  await fleet(s);
  // p/b: one attempt every 100 ms on c1, 15 s up to now; the window starts 400 ms into a second.
  const now = NOW + 400;
  const steady: Attempt[] = Array.from({ length: 151 }, (_, i) => ({ app: 'p/b', cluster: 'c1', status: 200, durationMs: 20, at: now - 15_000 + i * 100, path: 'written' }));
  await write(s, steady);
  const rows = await tenantRows(s, 'p/a', now);
  // Seconds: 6 of the first second's 10 attempts are inside [now - 10 s, now], as the exact count has it.
  expect(sums(rows)).toEqual(await oldSums(s, 'p/a', now));
  expect(sums(rows).find((r) => r.key === 'p/b@c1')).toEqual({ key: 'p/b@c1', requests: 101, meanMs: 20 });
  // A fractional count (another spacing) still parses: the tenant is not dropped as unreadable.
  const fractional = rows.map((r) => (r['cluster_id'] === 'c1' && r['app_id'] === 'p/b' ? { ...r, inflow_requests: 100.6, hot_busy: 1, hot_free: 0, queued: 0 } : r));
  expect(parseTenantRows(fractional).get('p/b')?.load.get('c1')?.inflowPerS).toBeCloseTo(10.06, 9);
});

test('a database migrated with outcomes already in it reads the same right away, and keeps counting', async () => {
  const s = (store = await openTempStore({ migrated: false }));
  await migrate(s.client, { now: 1, migrations: MIGRATIONS.filter((m) => m.version < 22) });
  await fleet(s, 21);
  const attempts = mixedAttempts(NOW);
  await write(s, attempts);
  const before = await oldSums(s, 'p/a', NOW);
  await migrate(s.client, { now: 2 });
  expect(sums(await tenantRows(s, 'p/a', NOW))).toEqual(before);
  // New outcomes after the migration add to the backfilled seconds.
  await write(s, attempts.map((a) => ({ ...a, app: a.app === 'p/a' ? 'p/c' : a.app })).map((a, k) => ({ ...a, at: a.at + (k % 2) })), 'late');
  expect(sums(await tenantRows(s, 'p/a', NOW))).toEqual(await oldSums(s, 'p/a', NOW));
});

/** Project q: `apps` apps, each on the same `clusters` clusters (q0…), none of them p/a's. */
async function otherTenantsFleet(s: TempStore, apps: number, clusters: number): Promise<void> {
  await upsertProject(s.client, { id: 'q', name: 'Q' }, 1);
  for (let i = 0; i < clusters; i++) await upsertCluster(s.client, sampleCluster(`q${i}`), 1);
  await upsertApp(s.client, sampleApp('q', 'seed', { clusters: ['q0'] }), 1);
  // Copies of q/seed's row, in one statement (upserting each would take seconds).
  const cols = (await s.client.execute('PRAGMA table_info(apps)')).rows.map((r) => String(r['name']));
  const pick = cols.map((c) => (c === 'id' ? `'q/app' || n.i` : c === 'name' ? `'app' || n.i` : `a.${c}`)).join(', ');
  await s.client.execute(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${apps})
    INSERT INTO apps (${cols.join(', ')}) SELECT ${pick} FROM n, apps a WHERE a.id = 'q/seed'`);
  await s.client.execute(`INSERT OR IGNORE INTO app_clusters (app_id, cluster_id)
    SELECT a.id, c.id FROM apps a, clusters c WHERE a.project_id = 'q' AND c.id LIKE 'q%'`);
}

// Finding the app's co-tenants (the apps on its clusters) scanned every tenant's app_clusters
// rows: the table's only key is (app_id, cluster_id). p/chat's snapshot went 2.4 → 18 ms beside
// another tenant's 10k apps × 20 clusters. Migration 27's index finds them by cluster.
test("another tenant's many apps on its own clusters are never scanned by this app's tenants statement", async () => {
  const s = (store = await openTempStore());
  await fleet(s);
  await otherTenantsFleet(s, 2_000, 20);
  expect(Number((await s.client.execute("SELECT COUNT(*) AS n FROM app_clusters WHERE app_id LIKE 'q/%'")).rows[0]?.['n'])).toBe(2_001 * 20);
  const st = APP_SNAPSHOT_STATEMENTS('p/a', NOW - 60_000, NOW)[SNAPSHOT_PARTS.indexOf('tenants')];
  if (st === undefined) throw new Error('no tenants statement');
  for (const analyzed of [false, true]) {
    if (analyzed) await s.client.execute('ANALYZE'); // the plan must hold with statistics too
    const rows = await s.client.execute({ sql: `EXPLAIN QUERY PLAN ${st.sql}`, args: [...st.args] });
    const plan = rows.rows.map((r) => String(r['detail'])).join('\n');
    expect(plan).not.toMatch(/\bSCAN (app_clusters|ac)\b/);
    expect(plan).toMatch(/SEARCH app_clusters USING COVERING INDEX app_clusters_by_cluster \(cluster_id=\?\)/);
  }
  // Still exactly the apps on p/a's clusters.
  expect([...new Set((await tenantRows(s, 'p/a', NOW)).map((r) => String(r['app_id'])))]).toEqual(['p/b', 'p/c']);
});
