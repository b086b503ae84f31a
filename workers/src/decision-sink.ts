/**
 * Writes decision batches to the `decisions` table (schema v1) in one libSQL batch. INSERT OR
 * IGNORE makes a retried batch harmless: a decision id is written once.
 */
import type { Client } from './libsql.ts';
import type { DecisionRow, DecisionSink } from './decision-log.ts';

const INSERT = `INSERT OR IGNORE INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason,
  policy_version, seed, stale, decision_us, explanation_json, input_json)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export function libsqlDecisionSink(client: Client): DecisionSink {
  return async (rows: readonly DecisionRow[]): Promise<void> => {
    if (rows.length === 0) return;
    await client.batch(
      rows.map(({ decision: d, inputJson, decisionUs }) => ({
        sql: INSERT,
        args: [
          d.id, d.at, d.appId, d.fn, d.synthetic ? 1 : 0, d.outcome, d.chosen, d.reason,
          d.policyVersion, d.seed, d.stale ? 1 : 0, decisionUs, JSON.stringify(d), inputJson,
        ],
      })),
      'write',
    );
  };
}
