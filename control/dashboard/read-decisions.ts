import type { Client } from '@libsql/client';
import { bool, int, num, numOrNull, str, strOrNull, type Row } from '../../shared/snapshot/row-values.ts';
import { guard } from '../store/errors.ts';
import type { OutcomeCount, TrafficCount } from './live-aggregates.ts';

/**
 * Reads for the live feed. Everything new is found by rowid (both tables have one, and it grows
 * with every insert), so a tick reads only what arrived since the last one — the cost follows
 * the traffic of the last second, not the size of the tables. Numbers travel as floats over
 * Hrana, hence the CASTs where SQLite needs an integer.
 */

export interface FeedRow {
  readonly rowid: number;
  readonly id: string;
  readonly at: number;
  readonly appId: string;
  readonly outcome: string;
  readonly chosen: string | null;
  readonly reason: string;
  readonly stale: boolean;
  readonly synthetic: boolean;
  readonly decisionUs: number | null;
}

export interface Cursors {
  readonly decisions: number;
  readonly outcomes: number;
}

export interface NewRows {
  readonly cursors: Cursors;
  /** Newest first, at most `feedLimit`. */
  readonly feed: readonly FeedRow[];
  /** Decisions that arrived since the last cursor (the feed shows only the newest of them). */
  readonly newDecisions: number;
  readonly traffic: readonly TrafficCount[];
  readonly outcomes: readonly OutcomeCount[];
}

export async function readMaxRowids(client: Client): Promise<Cursors> {
  return guard('reading the newest decision', async () => {
    const rs = await client.execute('SELECT (SELECT COALESCE(MAX(rowid), 0) FROM decisions) AS d, (SELECT COALESCE(MAX(rowid), 0) FROM outcomes) AS o');
    const r = (rs.rows[0] ?? {}) as Row;
    return { decisions: int(r, 'd', 'max rowid'), outcomes: int(r, 'o', 'max rowid') };
  });
}

function feedRow(r: Row): FeedRow {
  const id = str(r, 'id', 'decisions row');
  const where = `decision ${id}`;
  return {
    rowid: int(r, 'rid', where),
    id,
    at: int(r, 'at', where),
    appId: str(r, 'app_id', where),
    outcome: str(r, 'outcome', where),
    chosen: strOrNull(r, 'chosen_cluster', where),
    reason: str(r, 'reason', where),
    stale: bool(r, 'stale', where),
    synthetic: bool(r, 'synthetic', where),
    decisionUs: numOrNull(r, 'decision_us', where),
  };
}

/** Rows after `from` up to the current newest rowids, grouped into buckets of `bucketMs` in SQL. */
export async function readNewRows(client: Client, from: Cursors, bucketMs: number, feedLimit: number): Promise<NewRows> {
  const to = await readMaxRowids(client);
  return guard('reading new decisions', async () => {
    const [feed, traffic, outcomes] = await client.batch(
      [
        {
          sql: `SELECT rowid AS rid, id, at, app_id, outcome, chosen_cluster, reason, stale, synthetic, decision_us
                FROM decisions WHERE rowid > ? AND rowid <= ? ORDER BY rowid DESC LIMIT CAST(? AS INTEGER)`,
          args: [from.decisions, to.decisions, feedLimit],
        },
        {
          sql: `SELECT (at / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS bucket, app_id, chosen_cluster, COUNT(*) AS n
                FROM decisions WHERE rowid > ? AND rowid <= ? GROUP BY 1, 2, 3`,
          args: [bucketMs, bucketMs, from.decisions, to.decisions],
        },
        {
          sql: `SELECT (at / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS bucket, cluster_id, COUNT(*) AS requests,
                  SUM(CASE WHEN status >= 500 OR status = 0 THEN 1 ELSE 0 END) AS errors,
                  COALESCE(SUM(CASE WHEN status > 0 AND status < 500 THEN ttfb_ms END), 0) AS ttfb_sum,
                  COUNT(CASE WHEN status > 0 AND status < 500 THEN ttfb_ms END) AS ttfb_count
                FROM outcomes WHERE rowid > ? AND rowid <= ? AND cluster_id IS NOT NULL GROUP BY 1, 2`,
          args: [bucketMs, bucketMs, from.outcomes, to.outcomes],
        },
      ],
      'read',
    );
    return {
      cursors: to,
      feed: ((feed?.rows ?? []) as unknown as Row[]).map(feedRow),
      newDecisions: Math.max(0, to.decisions - from.decisions),
      traffic: ((traffic?.rows ?? []) as unknown as Row[]).map((r) => ({
        bucket: int(r, 'bucket', 'traffic'),
        appId: str(r, 'app_id', 'traffic'),
        cluster: strOrNull(r, 'chosen_cluster', 'traffic'),
        n: int(r, 'n', 'traffic'),
      })),
      outcomes: ((outcomes?.rows ?? []) as unknown as Row[]).map((r) => ({
        bucket: int(r, 'bucket', 'outcomes'),
        clusterId: str(r, 'cluster_id', 'outcomes'),
        requests: int(r, 'requests', 'outcomes'),
        errors: int(r, 'errors', 'outcomes'),
        ttfbSumMs: num(r, 'ttfb_sum', 'outcomes'),
        ttfbCount: int(r, 'ttfb_count', 'outcomes'),
      })),
    };
  });
}

/** One decision's logged explanation (parsed JSON), or null when unknown. */
export async function readExplanation(client: Client, id: string): Promise<unknown> {
  return guard('reading a decision', async () => {
    const rs = await client.execute({ sql: 'SELECT explanation_json FROM decisions WHERE id = ?', args: [id] });
    const r = rs.rows[0] as Row | undefined;
    if (r === undefined) return null;
    const raw = str(r, 'explanation_json', `decision ${id}`);
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return {};
    }
  });
}
