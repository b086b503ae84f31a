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

/** Rows per INSERT in `outcomeStatements`: 50 × 15 columns stays under SQLite's oldest limit of 999 variables. */
export const OUTCOME_ROWS_PER_STATEMENT = 50;

type OutcomeStatement = { sql: string; args: Array<string | number | null> };

/**
 * `ignore` keeps the first row of a retried batch; `replace` lets the latest attempt under the
 * same (decision, attempt, proxy) win, as when a client reuses a token.
 */
export function outcomeStatement(o: OutcomeRecord, onConflict: 'ignore' | 'replace'): OutcomeStatement {
  return insertRows([o], onConflict);
}

/**
 * The same rows as `outcomeStatement` each, in multi-row INSERTs of up to `perStatement` rows
 * (same conflict rule, rows applied in order). SQLite compiles the triggers on `outcomes`
 * (migrations 20–22) into every statement it prepares, which costs more than the row itself:
 * one statement per row paid it per outcome (bench/outcome-write-cost.ts, BENCHMARKS.md).
 */
export function outcomeStatements(rows: readonly OutcomeRecord[], onConflict: 'ignore' | 'replace', perStatement = OUTCOME_ROWS_PER_STATEMENT): OutcomeStatement[] {
  const out: OutcomeStatement[] = [];
  for (let i = 0; i < rows.length; i += perStatement) out.push(insertRows(rows.slice(i, i + perStatement), onConflict));
  return out;
}

function insertRows(rows: readonly OutcomeRecord[], onConflict: 'ignore' | 'replace'): OutcomeStatement {
  // app_id only when some row has one: a database before schema v20 has no such column. A row
  // without one gets NULL, as if the column were left out (the database copies it from the decision).
  const withApp = rows.some((o) => o.appId !== undefined && o.appId !== null);
  const values = `(?, ${withApp ? '?, ' : ''}?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  return {
    sql: `INSERT OR ${onConflict === 'ignore' ? 'IGNORE' : 'REPLACE'} INTO outcomes (decision_id, ${withApp ? 'app_id, ' : ''}attempt, proxy_id, cluster_id, endpoint,
            status, ttfb_ms, duration_ms, bytes_in, bytes_out, error, at, replica_pick, stream_recovery)
          VALUES ${rows.map(() => values).join(', ')}`,
    args: rows.flatMap((o) => [o.decisionId, ...(withApp ? [o.appId ?? null] : []), o.attempt, o.proxyId, o.clusterId, o.endpoint, o.status, o.ttfbMs, o.durationMs, o.bytesIn, o.bytesOut, o.error, o.at, o.replicaPick ?? null, o.streamRecovery ?? null]),
  };
}
