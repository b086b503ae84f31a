/**
 * The proxy and the store write outcomes as multi-row INSERTs (`outcomeStatements`), so SQLite
 * compiles the triggers on `outcomes` once per statement instead of once per row. Against REAL
 * libSQL: every row lands as one statement per row would have written it, across statement
 * boundaries, with and without the app, under both conflict rules.
 */
import { afterEach, expect, test } from 'vitest';
import { insertRoutedDecision, openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { ROWS_PER_STATEMENT } from './multi-row-insert.ts';
import { outcomeStatements, type OutcomeRecord } from './outcome-statement.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

const row = (i: number, over: Partial<OutcomeRecord> = {}): OutcomeRecord => ({
  decisionId: `d${i}`, appId: i % 2 === 0 ? 'p/a' : null, attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: null,
  status: 200, ttfbMs: 50, durationMs: i, bytesIn: 0, bytesOut: 0, error: null, at: 1_000 + i, ...over,
});

test.each([
  ['update', 'the latest'],
  ['ignore', 'the first'],
] as const)('%s: every row lands once, a repeated attempt keeps %s', async (rule, _keeps) => {
  const s = (store = await openTempStore());
  const n = 2 * ROWS_PER_STATEMENT + 7;
  // Rows without an app get it from their decision, already there.
  for (let i = 1; i < n; i += 2) await insertRoutedDecision(s.client, { id: `d${i}`, at: 1_000, appId: 'p/b', clusterId: 'c1' });
  const rows = [...Array.from({ length: n }, (_, i) => row(i)), row(3, { status: 503, durationMs: 9_999 })];
  const statements = outcomeStatements(rows, rule);
  expect(statements).toHaveLength(3);
  await s.client.batch(statements, 'write');
  const rs = await s.client.execute('SELECT decision_id, app_id, status, duration_ms FROM outcomes ORDER BY at');
  expect(rs.rows).toHaveLength(n);
  expect(rs.rows.every((r, i) => r['app_id'] === (i % 2 === 0 ? 'p/a' : 'p/b'))).toBe(true);
  const d3 = rs.rows.find((r) => r['decision_id'] === 'd3');
  expect([d3?.['status'], d3?.['duration_ms']]).toEqual(rule === 'update' ? [503, 9_999] : [200, 3]);
});
