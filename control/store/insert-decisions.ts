import type { Client } from '@libsql/client';
import { guard } from './errors.ts';
import type { DecisionRecord } from './types.ts';

/**
 * Log decisions in one transaction. INSERT OR IGNORE makes a retried batch harmless: a decision
 * id is written once. `input` is stored as given, with no `snapshot_id`: the edge's and proxy's
 * writers store the snapshot once in `decision_snapshots` and name it (shared/decision/record-json.ts
 * `inputRecord`, migration 30); replay reads either form.
 */
export async function insertDecisions(
  client: Client,
  rows: readonly DecisionRecord[],
): Promise<void> {
  if (rows.length === 0) return;
  await guard(`logging ${rows.length} decisions`, () =>
    client.batch(
      rows.map(({ decision: d, input, decisionUs }) => ({
        sql: `INSERT OR IGNORE INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason,
                policy_version, seed, stale, decision_us, explanation_json, input_json)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [
          d.id,
          d.at,
          d.appId,
          d.fn,
          d.synthetic ? 1 : 0,
          d.outcome,
          d.chosen,
          d.reason,
          d.policyVersion,
          d.seed,
          d.stale ? 1 : 0,
          decisionUs,
          JSON.stringify(d),
          JSON.stringify(input) ?? 'null',
        ],
      })),
      'write',
    ),
  );
}
