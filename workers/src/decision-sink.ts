/**
 * Writes decision batches to the `decisions` table (schema v1) in one libSQL batch, with the
 * snapshots they name (`decision_snapshots`, migration 30) in the same batch: a row never commits
 * without its snapshot. INSERT OR IGNORE makes a retried batch harmless: a decision id is written
 * once, a snapshot once per content.
 */
import type { Client } from './libsql.ts';
import type { DecisionRow, DecisionSink } from './decision-log.ts';
import { withTimeout } from './snapshot-source.ts';
import { multiRowInserts } from '../../shared/schema/multi-row-insert.ts';
import { WrittenSnapshots } from '../../shared/decision/written-snapshots.ts';

const INSERT = `INSERT OR IGNORE INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason,
  policy_version, seed, stale, decision_us, explanation_json, input_json, canary_json, snapshot_id)`;

/**
 * `timeoutMs`: a hung write counts as failed, so the one write in flight cannot block the log.
 * One sink per isolate: it remembers which snapshots it has written (`WrittenSnapshots`).
 */
export function libsqlDecisionSink(client: Client, timeoutMs: number, now: () => number = Date.now): DecisionSink {
  const snapshots = new WrittenSnapshots();
  return async (rows: readonly DecisionRow[]): Promise<void> => {
    if (rows.length === 0) return;
    const plan = snapshots.plan(rows.map((r) => ({ at: r.decision.at, snapshot: r.snapshot })), now());
    // Many rows per INSERT: the database's triggers on `decisions` are compiled once per statement.
    const decisions = multiRowInserts(INSERT, rows.map(({ decision: d, inputJson, decisionUs, canaryJson, snapshot }) => [
      d.id, d.at, d.appId, d.fn, d.synthetic ? 1 : 0, d.outcome, d.chosen, d.reason,
      d.policyVersion, d.seed, d.stale ? 1 : 0, decisionUs, JSON.stringify(d), inputJson, canaryJson ?? null, snapshot?.id ?? null,
    ]));
    await withTimeout(client.batch([...plan.statements, ...decisions], 'write'), timeoutMs, `writing ${rows.length} decisions`);
    snapshots.written(plan);
  };
}
