/**
 * Retention for the decision log. Nothing else deletes `decisions` or `outcomes`: at 1,000
 * decisions a second (~7 KB each with the explanation) the log grows by ~600 GB a day, and every
 * app-scoped read walks a bigger index. Rows older than a cutoff go, in small batches (each its
 * own statement, so the edge's and proxies' batched writes never wait long behind one delete).
 * Kept whatever the cutoff:
 * - what a rollout in progress still judges its gates on (outcomes since its step began, joined
 *   to their decisions), so pruning never blinds a canary;
 * - the newest row of each table: the dashboard's live feed follows rowids, and an emptied table
 *   would hand out rowids the feed has already passed.
 * `inflow_seconds` (migration 22) needs nothing here: a ring of 64 rows per (cluster, app) whose
 * slots the database restarts on write, and no trigger fires on deleting an outcome, so pruning
 * old outcomes leaves the recent inflow as it was.
 */
import type { Client } from '@libsql/client';

export interface PruneOptions {
  /** Rows whose `at` is before this (ms since the epoch) go. */
  readonly before: number;
  /** Rows per DELETE statement. */
  readonly batch?: number;
  /** Count what would go; delete nothing. */
  readonly dryRun?: boolean;
}

export interface PruneResult {
  /** The cutoff applied: `before`, or earlier when a rollout in progress needs older rows. */
  readonly cutoff: number;
  readonly decisions: number;
  readonly outcomes: number;
}

const DEFAULT_BATCH = 5_000;

export async function pruneDecisionLog(client: Client, opts: PruneOptions): Promise<PruneResult> {
  const batch = opts.batch ?? DEFAULT_BATCH;
  const cutoff = await cutoffKeepingRollouts(client, opts.before);
  const apps = await client.execute('SELECT DISTINCT app_id FROM decisions');
  let decisions = 0;
  for (const row of apps.rows) {
    const appId = String(row['app_id']);
    // Per app, so each batch is found through decisions_app_at(app_id, at), not a table scan.
    const pick = `SELECT rowid FROM decisions WHERE app_id = ? AND at < ? AND rowid < (SELECT MAX(rowid) FROM decisions)`;
    decisions += await drain(client, 'decisions', pick, [appId, cutoff], batch, opts.dryRun === true);
  }
  // outcomes_at(at) finds them; each outcome goes by its own time.
  const pickOutcomes = `SELECT rowid FROM outcomes WHERE at < ? AND rowid < (SELECT MAX(rowid) FROM outcomes)`;
  const outcomes = await drain(client, 'outcomes', pickOutcomes, [cutoff], batch, opts.dryRun === true);
  return { cutoff, decisions, outcomes };
}

/** The earliest step start of a running or paused rollout, if that is before `before`. */
async function cutoffKeepingRollouts(client: Client, before: number): Promise<number> {
  const rs = await client.execute(`SELECT MIN(step_started_at) AS since FROM rollouts WHERE status IN ('running', 'paused')`);
  const since = rs.rows[0]?.['since'];
  return typeof since === 'number' || typeof since === 'bigint' ? Math.min(before, Number(since)) : before;
}

async function drain(client: Client, table: 'decisions' | 'outcomes', pick: string, args: Array<string | number>, batch: number, dryRun: boolean): Promise<number> {
  if (dryRun) {
    const rs = await client.execute({ sql: `SELECT count(*) AS n FROM (${pick})`, args });
    return Number(rs.rows[0]?.['n'] ?? 0);
  }
  let total = 0;
  for (;;) {
    const rs = await client.execute({ sql: `DELETE FROM ${table} WHERE rowid IN (${pick} LIMIT ?)`, args: [...args, batch] });
    total += rs.rowsAffected;
    if (rs.rowsAffected < batch) return total;
  }
}
