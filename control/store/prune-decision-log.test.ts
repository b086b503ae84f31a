/**
 * Decision-log retention against REAL libSQL: what `switchyard db prune` deletes and what it must
 * keep (recent rows, a rollout's evidence, the newest row the dashboard's feed follows).
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { insertOutcomes } from './insert-outcomes.ts';
import { pruneDecisionLog } from './prune-decision-log.ts';
import { insertRoutedDecision, openTempStore, type TempStore } from './test-fixtures.ts';

const HOUR = 3_600_000;
const NOW = 1_700_000_000_000;
let store: TempStore;

beforeEach(async () => {
  store = await openTempStore();
});
afterEach(() => store.dispose());

/** One decision and its outcome per (app, hours ago), inserted oldest first as the edge writes them. */
async function seed(rows: Array<[app: string, hoursAgo: number]>): Promise<void> {
  const outcomes = [];
  for (const [i, [app, ago]] of rows.entries()) {
    const at = NOW - ago * HOUR;
    await insertRoutedDecision(store.client, { id: `d${i}`, at, appId: app, clusterId: 'c1' });
    outcomes.push({ decisionId: `d${i}`, attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: null, status: 200, ttfbMs: 50, durationMs: 10, bytesIn: 0, bytesOut: 0, error: null, at });
  }
  await insertOutcomes(store.client, outcomes);
}

async function ids(table: 'decisions' | 'outcomes'): Promise<string[]> {
  const col = table === 'decisions' ? 'id' : 'decision_id';
  const rs = await store.client.execute(`SELECT ${col} AS id FROM ${table} ORDER BY ${col}`);
  return rs.rows.map((r) => String(r['id']));
}

test.each([
  { name: 'deletes in batches smaller than what goes', batch: 2 },
  { name: 'deletes in one batch', batch: 5_000 },
])('rows older than the cutoff go for every app, younger ones stay: $name', async ({ batch }) => {
  await seed([['p/a', 50], ['p/b', 49], ['p/a', 48], ['p/a-b', 30], ['p/a', 2], ['p/b', 1], ['p/a', 0]]);
  const r = await pruneDecisionLog(store.client, { before: NOW - 24 * HOUR, batch });
  expect(r).toEqual({ cutoff: NOW - 24 * HOUR, decisions: 4, outcomes: 4 });
  expect(await ids('decisions')).toEqual(['d4', 'd5', 'd6']);
  expect(await ids('outcomes')).toEqual(['d4', 'd5', 'd6']);
});

test('a dry run counts what would go and deletes nothing', async () => {
  await seed([['p/a', 50], ['p/b', 49], ['p/a', 1]]);
  const r = await pruneDecisionLog(store.client, { before: NOW - 24 * HOUR, dryRun: true });
  expect(r).toEqual({ cutoff: NOW - 24 * HOUR, decisions: 2, outcomes: 2 });
  expect(await ids('decisions')).toEqual(['d0', 'd1', 'd2']);
});

test('the newest row stays even when it is old, so the live feed never sees rowids again', async () => {
  await seed([['p/a', 50], ['p/a', 49], ['p/b', 48]]);
  const r = await pruneDecisionLog(store.client, { before: NOW });
  expect(r.decisions).toBe(2);
  expect(await ids('decisions')).toEqual(['d2']);
  expect(await ids('outcomes')).toEqual(['d2']);
  await insertRoutedDecision(store.client, { id: 'new', at: NOW, appId: 'p/a', clusterId: 'c1' });
  const rs = await store.client.execute("SELECT (SELECT rowid FROM decisions WHERE id = 'new') > (SELECT rowid FROM decisions WHERE id = 'd2') AS after");
  expect(Number(rs.rows[0]?.['after'])).toBe(1);
});

test.each([
  { status: 'running', kept: true },
  { status: 'paused', kept: true },
  { status: 'promoted', kept: false },
])('a $status rollout keeps the outcomes since its step began: $kept', async ({ status, kept }) => {
  await seed([['p/a', 50], ['p/a', 40], ['p/a', 30], ['p/a', 1]]);
  const stepStarted = NOW - 45 * HOUR;
  await store.client.execute({
    sql: `INSERT INTO rollouts (app_id, id, model, stable_version, canary_version, status, weight_pct, steps_json, step_index,
            step_started_at, hold_ms, held_regions_json, gates_json, auto_promote, reason, started_at, updated_at)
          VALUES ('p/a', 'r1', 'm', 'v1', 'v2', ?, 10, '[10,50,100]', 0, ?, 600000, '[]', '{}', 1, NULL, ?, ?)`,
    args: [status, stepStarted, stepStarted, stepStarted],
  });
  const r = await pruneDecisionLog(store.client, { before: NOW - 24 * HOUR });
  expect(r.cutoff).toBe(kept ? stepStarted : NOW - 24 * HOUR);
  expect(await ids('decisions')).toEqual(kept ? ['d1', 'd2', 'd3'] : ['d3']);
});
