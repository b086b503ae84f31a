/**
 * The edge's and the in-region proxy's decision logs write many rows per INSERT
 * (`multiRowInserts`). Against REAL libSQL: every row lands once across statement boundaries,
 * a retried row is ignored as one statement per row did, and the triggers on `decisions` still
 * run for each row (its origin, its earlier outcome's app).
 */
import { afterEach, expect, test } from 'vitest';
import { insertOutcomes } from '../../control/store/insert-outcomes.ts';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { multiRowInserts, ROWS_PER_STATEMENT } from './multi-row-insert.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

test('decision rows written many to a statement each land once, with every trigger run', async () => {
  const s = (store = await openTempStore());
  // d5's outcome arrived first: it gets its app when d5 lands.
  await insertOutcomes(s.client, [{ decisionId: 'd5', attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: null, status: 200, ttfbMs: 5, durationMs: 9, bytesIn: 0, bytesOut: 0, error: null, at: 1_005 }]);
  const n = 2 * ROWS_PER_STATEMENT + 3;
  const row = (i: number, reason: string) => [`d${i}`, 1_000 + i, 'p/a', 'f', 0, 'routed', 'c1', reason, 'v', 's', 0, 1, '{}', `{"v":1,"request":{"client":{"colo":"C${i}"}}}`];
  const rows = [...Array.from({ length: n }, (_, i) => row(i, 'first')), row(7, 'retried')];
  const statements = multiRowInserts('INSERT OR IGNORE INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, decision_us, explanation_json, input_json)', rows);
  expect(statements).toHaveLength(3);
  await s.client.batch(statements, 'write');
  const rs = await s.client.execute('SELECT id, reason, origin FROM decisions ORDER BY at');
  expect(rs.rows.map((r) => [r['id'], r['reason'], r['origin']])).toEqual(Array.from({ length: n }, (_, i) => [`d${i}`, 'first', `C${i}`]));
  const o = await s.client.execute("SELECT app_id, origin FROM outcomes WHERE decision_id = 'd5'");
  expect([o.rows[0]?.['app_id'], o.rows[0]?.['origin']]).toEqual(['p/a', 'C5']);
  // And its attempt reached the tenants' ring through the late-app trigger.
  const ring = await s.client.execute("SELECT requests FROM inflow_seconds WHERE app_id = 'p/a' AND cluster_id = 'c1'");
  expect(ring.rows.map((r) => r['requests'])).toEqual([1]);
});
