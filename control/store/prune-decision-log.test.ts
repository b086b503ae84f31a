/**
 * Decision-log retention against REAL libSQL: what `switchyard db prune` deletes and what it must
 * keep (recent rows, a rollout's evidence, the newest row the dashboard's feed follows).
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { insertOutcomes } from './insert-outcomes.ts';
import { FIRST_GROUP, NEXT_APP, NEXT_CLUSTER, PICK_OUTCOMES, pruneDecisionLog } from './prune-decision-log.ts';
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
  expect(r).toEqual({ cutoff: NOW - 24 * HOUR, heldBack: new Map(), decisions: 4, outcomes: 4, snapshots: 0 });
  expect(await ids('decisions')).toEqual(['d4', 'd5', 'd6']);
  expect(await ids('outcomes')).toEqual(['d4', 'd5', 'd6']);
});

test('a dry run counts what would go and deletes nothing', async () => {
  await seed([['p/a', 50], ['p/b', 49], ['p/a', 1]]);
  const r = await pruneDecisionLog(store.client, { before: NOW - 24 * HOUR, dryRun: true });
  expect(r).toEqual({ cutoff: NOW - 24 * HOUR, heldBack: new Map(), decisions: 2, outcomes: 2, snapshots: 0 });
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
  await insertRollout('p/a', status, stepStarted);
  const r = await pruneDecisionLog(store.client, { before: NOW - 24 * HOUR });
  expect(r.cutoff).toBe(NOW - 24 * HOUR);
  expect(r.heldBack.get('p/a')).toBe(kept ? stepStarted : undefined);
  expect(await ids('decisions')).toEqual(kept ? ['d1', 'd2', 'd3'] : ['d3']);
});

async function insertRollout(appId: string, status: string, stepStarted: number): Promise<void> {
  await store.client.execute({
    sql: `INSERT INTO rollouts (app_id, id, model, stable_version, canary_version, status, weight_pct, steps_json, step_index,
            step_started_at, hold_ms, held_regions_json, gates_json, auto_promote, reason, started_at, updated_at)
          VALUES (?, 'r1', 'm', 'v1', 'v2', ?, 10, '[10,50,100]', 0, ?, 600000, '[]', '{}', 1, NULL, ?, ?)`,
    args: [appId, status, stepStarted, stepStarted, stepStarted],
  });
}

// One tenant's rollout paused for weeks held back every tenant's log: the cutoff was the minimum
// over all rollouts, applied to every app's decisions and to all outcomes.
test.each([
  { name: 'a paused rollout', status: 'paused' },
  { name: 'a running rollout', status: 'running' },
])("$name keeps only its own app's rows; other apps prune at the normal cutoff", async ({ status }) => {
  await seed([['p/a', 400], ['q/b', 400], ['p/a', 300], ['q/b', 300], ['p/a', 200], ['q/b', 200], ['q/b', 1]]);
  await insertRollout('p/a', status, NOW - 500 * HOUR);
  const r = await pruneDecisionLog(store.client, { before: NOW - 24 * HOUR });
  expect(r).toEqual({ cutoff: NOW - 24 * HOUR, heldBack: new Map([['p/a', NOW - 500 * HOUR]]), decisions: 3, outcomes: 3, snapshots: 0 });
  expect(await ids('decisions')).toEqual(['d0', 'd2', 'd4', 'd6']);
  expect(await ids('outcomes')).toEqual(['d0', 'd2', 'd4', 'd6']);
});

test("each outcomes batch reads one app's index range, not every app's outcomes", async () => {
  const rs = await store.client.execute({ sql: `EXPLAIN QUERY PLAN ${PICK_OUTCOMES} LIMIT 5000`, args: ['q/b', 'c1', NOW] });
  const plan = rs.rows.map((row) => String(row['detail']));
  expect(plan).toContainEqual(expect.stringMatching(/SEARCH outcomes USING COVERING INDEX outcomes_app_cluster_at \(app_id=\? AND cluster_id=\? AND at<\?\)/));
  expect(plan.filter((d) => d.startsWith('SCAN outcomes') && !d.includes('MAX'))).toEqual([]);
});

// Found in review: the groups came from SELECT DISTINCT app_id, cluster_id, which read the whole
// outcomes index on every prune (24 ms per 400k rows without ANALYZE, and the table grows by
// hundreds of GB a day). Each group is now one index seek.
test.each([
  // In index order with LIMIT 1: the scan stops at its first row.
  { name: 'the first group', sql: FIRST_GROUP, args: [], plan: /^SCAN outcomes USING COVERING INDEX outcomes_app_cluster_at$/ },
  { name: "the app's next cluster", sql: NEXT_CLUSTER, args: ['q/b', 'c1'], plan: /^SEARCH outcomes USING COVERING INDEX outcomes_app_cluster_at \(app_id=\? AND cluster_id>\?\)$/ },
  { name: 'the next app', sql: NEXT_APP, args: ['q/b'], plan: /^SEARCH outcomes USING COVERING INDEX outcomes_app_cluster_at \(app_id>\?\)$/ },
])('finding $name reads one index position, not the whole outcomes index', async ({ sql, args, plan }) => {
  const rs = await store.client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args });
  expect(rs.rows.map((row) => String(row['detail']))).toEqual([expect.stringMatching(plan)]);
});

test('outcomes without an app or a cluster are pruned too, with every group between', async () => {
  const old = NOW - 50 * HOUR;
  // Written first: the newest row always stays (the live feed's rowid).
  await insertOutcomes(store.client, [
    { decisionId: 'x1', attempt: 0, proxyId: 'px', clusterId: 'c2', endpoint: null, status: 200, ttfbMs: 5, durationMs: 1, bytesIn: 0, bytesOut: 0, error: null, at: old },
    { decisionId: 'x2', attempt: 0, proxyId: 'px', clusterId: 'c0', endpoint: null, status: 200, ttfbMs: 5, durationMs: 1, bytesIn: 0, bytesOut: 0, error: null, at: old },
  ]);
  await seed([['p/a', 50], ['q/b', 50], ['p/a', 1]]);
  const r = await pruneDecisionLog(store.client, { before: NOW - 24 * HOUR });
  expect(r.outcomes).toBe(4);
  expect(await ids('outcomes')).toEqual(['d2']);
});
