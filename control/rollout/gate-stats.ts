/**
 * Live outcomes per version for the gates: the proxies' `outcomes` of the app since the step
 * began, each attributed to the version its cluster serves (`deployment_versions`).
 */
import type { Client } from '@libsql/client';
import type { VersionOutcomes } from '../../shared/rollout/gate-evaluation.ts';
import type { Rollout } from '../../shared/rollout/types.ts';
import { endedByClient } from '../../shared/http/client-ended.ts';

/** Most outcome rows read per evaluation: bounds the controller's work on a busy app. */
export const MAX_GATE_ROWS = 20_000;

/**
 * Filtered on the outcome's own app (schema v21): it joined each outcome to its decision and
 * filtered on `d.app_id`, so every tenant's outcomes on the app's clusters since the step began
 * were read (140 ms per rollout per pass with 500k co-tenant outcomes). The version comes from
 * the outcome's cluster, so no decision is needed. CROSS JOIN keeps the app's few version rows
 * outside: each is then one range (app, cluster, at >= since) of outcomes_app_cluster_at, where
 * outcomes first would read every outcome the app ever had.
 */
export const VERSION_OUTCOMES_SQL = `SELECT v.version AS version, o.status AS status, o.ttfb_ms AS ttfb_ms, o.error AS error
          FROM deployment_versions v
          CROSS JOIN outcomes o ON o.app_id = v.app_id AND o.cluster_id = v.cluster_id AND o.at >= ?
          WHERE v.app_id = ? AND v.model = ? AND v.version IN (?, ?)
          ORDER BY o.at DESC LIMIT ?`;

export async function readVersionOutcomes(client: Client, r: Rollout, since: number): Promise<{ stable: VersionOutcomes; canary: VersionOutcomes }> {
  const rs = await client.execute({
    sql: VERSION_OUTCOMES_SQL,
    args: [since, r.appId, r.model, r.stable, r.canary, MAX_GATE_ROWS],
  });
  const empty = (): { requests: number; errors: number; cut: number; ttfbMs: number[] } => ({ requests: 0, errors: 0, cut: 0, ttfbMs: [] });
  const acc = { stable: empty(), canary: empty() };
  for (const row of rs.rows) {
    const side = row['version'] === r.canary ? acc.canary : acc.stable;
    const status = Number(row['status']);
    const error = row['error'] === null || row['error'] === undefined ? null : String(row['error']);
    side.requests++;
    // Same rule as the snapshot's error rate: 5xx or no answer is the replica's; a client's 4xx is not.
    if (status >= 500 || status === 0) side.errors++;
    else if (error !== null && !endedByClient(error) && status < 400) side.cut++;
    const ttfb = row['ttfb_ms'];
    if (status > 0 && status < 500 && typeof ttfb === 'number') side.ttfbMs.push(ttfb);
  }
  return acc;
}
