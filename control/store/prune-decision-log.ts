/**
 * Retention for the decision log. Nothing else deletes `decisions` or `outcomes`: at 1,000
 * decisions a second (~7 KB each with the explanation) the log grows by ~600 GB a day, and every
 * app-scoped read walks a bigger index. Rows older than a cutoff go, in small batches (each its
 * own statement, so the edge's and proxies' batched writes never wait long behind one delete).
 * Kept whatever the cutoff:
 * - what a rollout in progress still judges its gates on (its app's outcomes since its step
 *   began, and that app's decisions), so pruning never blinds a canary. Only that app's: one
 *   tenant's rollout paused for weeks used to hold back every tenant's log;
 * - the newest row of each table: the dashboard's live feed follows rowids, and an emptied table
 *   would hand out rowids the feed has already passed.
 * Then the snapshots (`decision_snapshots`, migration 30) no remaining decision names: only those
 * loaded before the cutoff can be (a decision is made after its snapshot loaded), each checked
 * with one seek of decisions_snapshot_id. A writer remembers a snapshot as written for minutes,
 * never an hour (shared/decision/written-snapshots.ts), so none it will name again is deleted.
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
  /** The cutoff applied to every app without a rollout in progress: `before`. */
  readonly cutoff: number;
  /** Apps whose running or paused rollout began its step before `before`: their own, earlier cutoff. */
  readonly heldBack: ReadonlyMap<string, number>;
  readonly decisions: number;
  readonly outcomes: number;
  /** Stored snapshots no decision names any more (a dry run: an estimate, those no decision it keeps would name). */
  readonly snapshots: number;
}

const DEFAULT_BATCH = 5_000;

/** Per app, so each batch is found through decisions_app_at(app_id, at), not a table scan. */
export const PICK_DECISIONS = `SELECT rowid FROM decisions WHERE app_id = ? AND at < ? AND rowid < (SELECT MAX(rowid) FROM decisions)`;
/**
 * Per (app, cluster), so each batch is one range of outcomes_app_cluster_at: through outcomes_at
 * every batch would walk again past the old rows a held-back app keeps.
 */
export const PICK_OUTCOMES = `SELECT rowid FROM outcomes WHERE app_id IS ? AND cluster_id IS ? AND at < ? AND rowid < (SELECT MAX(rowid) FROM outcomes)`;

export async function pruneDecisionLog(client: Client, opts: PruneOptions): Promise<PruneResult> {
  const batch = opts.batch ?? DEFAULT_BATCH;
  const dryRun = opts.dryRun === true;
  const heldBack = await rolloutCutoffs(client, opts.before);
  const cutoffOf = (appId: string | null): number => (appId === null ? undefined : heldBack.get(appId)) ?? opts.before;
  const apps = await client.execute('SELECT DISTINCT app_id FROM decisions');
  let decisions = 0;
  for (const row of apps.rows) {
    const appId = String(row['app_id']);
    decisions += await drain(client, 'decisions', PICK_DECISIONS, [appId, cutoffOf(appId)], batch, dryRun);
  }
  // `IS` also matches outcomes without an app (an old proxy's, whose decision never landed) or
  // cluster: they go at the normal cutoff.
  let outcomes = 0;
  for (let g = await firstGroup(client); g !== null; g = await nextGroup(client, g)) {
    outcomes += await drain(client, 'outcomes', PICK_OUTCOMES, [g.app, g.cluster, cutoffOf(g.app)], batch, dryRun);
  }
  const snapshots = dryRun ? await countOrphanSnapshots(client, opts.before, heldBack) : await drain(client, 'decision_snapshots', PICK_SNAPSHOTS, [opts.before], batch, false);
  return { cutoff: opts.before, heldBack, decisions, outcomes, snapshots };
}

/** Through decision_snapshots_at, then one seek of decisions_snapshot_id each. */
export const PICK_SNAPSHOTS = `SELECT s.rowid FROM decision_snapshots s WHERE s.at < ? AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.snapshot_id = s.id)`;

/**
 * What a prune would delete: snapshots loaded before the cutoff that no decision it keeps names (at
 * or after the cutoff, or of an app a rollout holds back — all of that app's, so this errs low).
 */
async function countOrphanSnapshots(client: Client, before: number, heldBack: ReadonlyMap<string, number>): Promise<number> {
  const held = [...heldBack.keys()];
  const rs = await client.execute({
    sql: `SELECT count(*) AS n FROM decision_snapshots s WHERE s.at < ? AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.snapshot_id = s.id
            AND (d.at >= ? OR d.app_id IN (${held.map(() => '?').join(',')})))`,
    args: [before, before, ...held],
  });
  return Number(rs.rows[0]?.['n'] ?? 0);
}

interface Group {
  readonly app: string | null;
  readonly cluster: string | null;
}

/**
 * The (app, cluster) groups of `outcomes` one index seek at a time (a skip scan of
 * outcomes_app_cluster_at, NULLs first): `SELECT DISTINCT` read the whole index on every prune,
 * a table that grows by hundreds of GB a day (SQLite skips ahead only after ANALYZE).
 */
export const FIRST_GROUP = 'SELECT app_id, cluster_id FROM outcomes ORDER BY app_id, cluster_id LIMIT 1';
export const NEXT_CLUSTER = 'SELECT app_id, cluster_id FROM outcomes WHERE app_id IS ? AND cluster_id > ? ORDER BY app_id, cluster_id LIMIT 1';
const NEXT_CLUSTER_AFTER_NULL = 'SELECT app_id, cluster_id FROM outcomes WHERE app_id IS ? AND cluster_id IS NOT NULL ORDER BY app_id, cluster_id LIMIT 1';
export const NEXT_APP = 'SELECT app_id, cluster_id FROM outcomes WHERE app_id > ? ORDER BY app_id, cluster_id LIMIT 1';
const NEXT_APP_AFTER_NULL = 'SELECT app_id, cluster_id FROM outcomes WHERE app_id IS NOT NULL ORDER BY app_id, cluster_id LIMIT 1';

async function firstGroup(client: Client): Promise<Group | null> {
  return groupOf(await client.execute(FIRST_GROUP));
}

async function nextGroup(client: Client, g: Group): Promise<Group | null> {
  const sameApp = g.cluster === null ? { sql: NEXT_CLUSTER_AFTER_NULL, args: [g.app] } : { sql: NEXT_CLUSTER, args: [g.app, g.cluster] };
  const next = groupOf(await client.execute(sameApp));
  if (next !== null) return next;
  return groupOf(await client.execute(g.app === null ? NEXT_APP_AFTER_NULL : { sql: NEXT_APP, args: [g.app] }));
}

function groupOf(rs: { rows: ReadonlyArray<Record<string, unknown>> }): Group | null {
  const row = rs.rows[0];
  return row === undefined ? null : { app: cellOrNull(row['app_id']), cluster: cellOrNull(row['cluster_id']) };
}

/** Per app with a running or paused rollout, its step's start when that is before `before`. */
async function rolloutCutoffs(client: Client, before: number): Promise<Map<string, number>> {
  const rs = await client.execute({
    sql: `SELECT app_id, MIN(step_started_at) AS since FROM rollouts WHERE status IN ('running', 'paused') AND step_started_at < ? GROUP BY app_id`,
    args: [before],
  });
  return new Map(rs.rows.map((r) => [String(r['app_id']), Number(r['since'])]));
}

function cellOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

async function drain(client: Client, table: 'decisions' | 'outcomes' | 'decision_snapshots', pick: string, args: Array<string | number | null>, batch: number, dryRun: boolean): Promise<number> {
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
