/**
 * Writes decision batches to the `decisions` table (schema v1) in one libSQL batch. INSERT OR
 * IGNORE makes a retried batch harmless: a decision id is written once.
 */
import type { Client } from './libsql.ts';
import type { DecisionRow, DecisionSink } from './decision-log.ts';
import { withTimeout } from './snapshot-source.ts';
import { multiRowInserts } from '../../shared/schema/multi-row-insert.ts';

const INSERT = `INSERT OR IGNORE INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason,
  policy_version, seed, stale, decision_us, explanation_json, input_json, canary_json)`;

/** `timeoutMs`: a hung write counts as failed, so the one write in flight cannot block the log. */
export function libsqlDecisionSink(client: Client, timeoutMs: number): DecisionSink {
  return async (rows: readonly DecisionRow[]): Promise<void> => {
    if (rows.length === 0) return;
    // Many rows per INSERT: the database's triggers on `decisions` are compiled once per statement.
    await withTimeout(client.batch(
      multiRowInserts(INSERT, rows.map(({ decision: d, inputJson, decisionUs, canaryJson }) => [
        d.id, d.at, d.appId, d.fn, d.synthetic ? 1 : 0, d.outcome, d.chosen, d.reason,
        d.policyVersion, d.seed, d.stale ? 1 : 0, decisionUs, JSON.stringify(d), inputJson, canaryJson ?? null,
      ])),
      'write',
    ), timeoutMs, `writing ${rows.length} decisions`);
  };
}
