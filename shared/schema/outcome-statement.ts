/**
 * The one INSERT for the `outcomes` table, shared by the regional proxy (its writer) and the
 * control-plane store, so the column list cannot drift between them. Pure data.
 */

/** What happened to one proxying attempt of a decision. */
export interface OutcomeRecord {
  readonly decisionId: string;
  /**
   * The decision's app, written by the proxy (schema v21) so the outcome counts for its app even
   * when the decision row never lands (dropped by a full edge buffer). Absent: the database
   * copies it from the decision, as for older proxies. Give it only to a database at schema v21
   * or later: before, the triggers would then leave the outcome's origin empty.
   */
  readonly appId?: string | null;
  readonly attempt: number;
  readonly proxyId: string;
  readonly clusterId: string | null;
  readonly endpoint: string | null;
  readonly status: number;
  readonly ttfbMs: number | null;
  readonly durationMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly error: string | null;
  readonly at: number;
  /** An inference-aware replica pick (reason, prefix share, load, scores) as JSON; null otherwise. */
  readonly replicaPick?: string | null;
  /** `continued`: this attempt continued a stream another replica started (absent = no). */
  readonly streamRecovery?: 'continued' | null;
}

/**
 * `ignore` keeps the first row of a retried batch; `replace` lets the latest attempt under the
 * same (decision, attempt, proxy) win, as when a client reuses a token.
 */
export function outcomeStatement(
  o: OutcomeRecord,
  onConflict: 'ignore' | 'replace',
): { sql: string; args: Array<string | number | null> } {
  // app_id only when given: a database before schema v20 has no such column.
  const app = o.appId === undefined || o.appId === null ? null : o.appId;
  return {
    sql: `INSERT OR ${onConflict === 'ignore' ? 'IGNORE' : 'REPLACE'} INTO outcomes (decision_id, ${app === null ? '' : 'app_id, '}attempt, proxy_id, cluster_id, endpoint,
            status, ttfb_ms, duration_ms, bytes_in, bytes_out, error, at, replica_pick, stream_recovery)
          VALUES (${app === null ? '' : '?, '}?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [o.decisionId, ...(app === null ? [] : [app]), o.attempt, o.proxyId, o.clusterId, o.endpoint, o.status, o.ttfbMs, o.durationMs, o.bytesIn, o.bytesOut, o.error, o.at, o.replicaPick ?? null, o.streamRecovery ?? null],
  };
}
