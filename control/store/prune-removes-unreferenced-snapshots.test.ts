/**
 * `db prune` and the snapshots decisions name (`decision_snapshots`, migration 30), against REAL
 * libSQL: a snapshot goes once no remaining decision names it, and only then; one named by a
 * kept decision (a young one, or an old one a rollout holds back) stays, and so does any loaded
 * after the cutoff. The orphan search reads indexes, not the decisions table.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { PICK_SNAPSHOTS, pruneDecisionLog } from './prune-decision-log.ts';
import { insertRoutedDecision, openTempStore, type TempStore } from './test-fixtures.ts';

const HOUR = 3_600_000;
const NOW = 1_700_000_000_000;
const BEFORE = NOW - 24 * HOUR;
let store: TempStore;

beforeEach(async () => {
  store = await openTempStore();
});
afterEach(() => store.dispose());

async function snapshot(id: string, hoursAgo: number): Promise<void> {
  await store.client.execute({ sql: 'INSERT INTO decision_snapshots (id, json, at) VALUES (?, ?, ?)', args: [id, `{"id":"${id}"}`, NOW - hoursAgo * HOUR] });
}

async function decision(id: string, app: string, hoursAgo: number, snapshotId: string): Promise<void> {
  await insertRoutedDecision(store.client, { id, at: NOW - hoursAgo * HOUR, appId: app, clusterId: 'c1', snapshotId });
}

async function snapshotIds(): Promise<string[]> {
  return (await store.client.execute('SELECT id FROM decision_snapshots ORDER BY id')).rows.map((r) => String(r['id']));
}

async function seed(): Promise<void> {
  await snapshot('old-only', 50); // named only by old decisions: goes
  await snapshot('spanning', 30); // named by an old and a young decision: stays
  await snapshot('young', 2); // named by a young decision: stays
  await snapshot('unnamed-young', 1); // named by none yet, loaded after the cutoff: stays
  await snapshot('unnamed-old', 40); // named by none (its decisions went long ago): goes
  await decision('d0', 'p/a', 49, 'old-only');
  await decision('d1', 'p/a', 48, 'old-only');
  await decision('d2', 'p/a', 29, 'spanning');
  await decision('d3', 'p/a', 20, 'spanning');
  await decision('d4', 'p/a', 1, 'young');
}

test('snapshots no remaining decision names go; every other one stays', async () => {
  await seed();
  const dry = await pruneDecisionLog(store.client, { before: BEFORE, dryRun: true });
  expect(dry).toMatchObject({ decisions: 3, snapshots: 2 });
  expect(await snapshotIds()).toHaveLength(5);
  const r = await pruneDecisionLog(store.client, { before: BEFORE, batch: 1 });
  expect(r).toMatchObject({ decisions: 3, snapshots: 2 });
  expect(await snapshotIds()).toEqual(['spanning', 'unnamed-young', 'young']);
  // Nothing left to delete: a second prune deletes nothing.
  expect(await pruneDecisionLog(store.client, { before: BEFORE })).toMatchObject({ decisions: 0, snapshots: 0 });
});

test("a rollout holding back its app's old decisions keeps the snapshots they name", async () => {
  await seed();
  await store.client.execute({
    sql: `INSERT INTO rollouts (app_id, id, model, stable_version, canary_version, status, weight_pct, steps_json, step_index,
            step_started_at, hold_ms, held_regions_json, gates_json, auto_promote, reason, started_at, updated_at)
          VALUES ('p/a', 'r1', 'm', 'v1', 'v2', 'running', 10, '[10,50,100]', 0, ?, 600000, '[]', '{}', 1, NULL, ?, ?)`,
    args: [NOW - 100 * HOUR, NOW - 100 * HOUR, NOW - 100 * HOUR],
  });
  const r = await pruneDecisionLog(store.client, { before: BEFORE });
  expect(r).toMatchObject({ decisions: 0, snapshots: 1 });
  expect(await snapshotIds()).toEqual(['old-only', 'spanning', 'unnamed-young', 'young']);
});

test('the orphan search reads the snapshots loaded before the cutoff by index, and one seek of decisions each', async () => {
  const rs = await store.client.execute({ sql: `EXPLAIN QUERY PLAN ${PICK_SNAPSHOTS} LIMIT 5000`, args: [BEFORE] });
  const plan = rs.rows.map((row) => String(row['detail']));
  expect(plan).toContainEqual(expect.stringMatching(/SEARCH s USING INDEX decision_snapshots_at \(at<\?\)/));
  expect(plan).toContainEqual(expect.stringMatching(/SEARCH d USING COVERING INDEX decisions_snapshot_id \(snapshot_id=\?\)/));
  expect(plan.filter((d) => d.startsWith('SCAN'))).toEqual([]);
});
