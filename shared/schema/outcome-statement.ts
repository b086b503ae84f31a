/**
 * The one INSERT for the `outcomes` table, shared by the regional proxy (its writer) and the
 * control-plane store, so the column list cannot drift between them. Pure data.
 */
import { multiRowInserts, ROWS_PER_STATEMENT, type Arg } from './multi-row-insert.ts';

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

type OutcomeStatement = { sql: string; args: Arg[] };

/**
 * `ignore` keeps the first row of a retried batch; `update` lets the latest attempt under the
 * same (decision, attempt, proxy) win, as when a client reuses a token. Either way a row already
 * there is never inserted again, so the `AFTER INSERT` triggers (app, origin, the inflow ring of
 * migration 22) run once per outcome: an `INSERT OR REPLACE` deleted and re-inserted it, and a
 * batch retried after a lost answer (it had committed) counted its outcomes twice as inflow.
 */
export type OutcomeConflict = 'ignore' | 'update';

export function outcomeStatement(o: OutcomeRecord, onConflict: OutcomeConflict): OutcomeStatement {
  const [one] = outcomeStatements([o], onConflict);
  if (one === undefined) throw new Error('unreachable: one row makes one statement');
  return one;
}

/**
 * The same rows as `outcomeStatement` each, in multi-row INSERTs (`multiRowInserts`: same
 * conflict rule, rows applied in order). SQLite compiles the triggers on `outcomes`
 * (migrations 20–22) into every statement it prepares, which costs more than the row itself:
 * one statement per row paid it per outcome (bench/outcome-write-cost.ts, BENCHMARKS.md).
 */
export function outcomeStatements(rows: readonly OutcomeRecord[], onConflict: OutcomeConflict, perStatement = ROWS_PER_STATEMENT): OutcomeStatement[] {
  // app_id only when some row has one: a database before schema v20 has no such column. A row
  // without one gets NULL, as if the column were left out (the database copies it from the decision).
  const withApp = rows.some((o) => o.appId !== undefined && o.appId !== null);
  const head = `INSERT ${onConflict === 'ignore' ? 'OR IGNORE ' : ''}INTO outcomes (decision_id, ${withApp ? 'app_id, ' : ''}attempt, proxy_id, ${MEASURED.join(', ')})`;
  const args = (o: OutcomeRecord): Arg[] => [o.decisionId, ...(withApp ? [o.appId ?? null] : []), o.attempt, o.proxyId, o.clusterId, o.endpoint, o.status, o.ttfbMs, o.durationMs, o.bytesIn, o.bytesOut, o.error, o.at, o.replicaPick ?? null, o.streamRecovery ?? null];
  return multiRowInserts(head, rows.map(args), perStatement, onConflict === 'update' ? LATEST_WINS : '');
}

/** What one attempt measured: the columns the latest attempt of a reused token overwrites. */
const MEASURED = ['cluster_id', 'endpoint', 'status', 'ttfb_ms', 'duration_ms', 'bytes_in', 'bytes_out', 'error', 'at', 'replica_pick', 'stream_recovery'];

// app_id and origin stay as first written or filled by the triggers.
const LATEST_WINS = `ON CONFLICT (decision_id, attempt, proxy_id) DO UPDATE SET ${MEASURED.map((c) => `${c} = excluded.${c}`).join(', ')}`;
