/**
 * Reads decision records (with their outcomes) from libSQL — a `file:` path,
 * the local Hrana endpoint or Turso — page by page, oldest first. A row naming its
 * snapshot (migration 30) has it read once per page from `decision_snapshots`, and not at all
 * when the cache already parsed it; older rows carry theirs inline.
 */
import type { Client, InValue } from '@libsql/client';
import { parseInputJson, SnapshotCache, type OutcomeRecord } from '../decision-record.ts';
import type { Decision } from '../../shared/decision/types.ts';
import { BacktestError } from '../errors.ts';
import { StoreError, toStoreError } from '../../control/store/errors.ts';
import { openStore } from '../../control/store/open-store.ts';
import { briefFromText, LazyRecord, type ReplayRecord } from './lazy-record.ts';
import { parseCanaryJson } from './canary-replay.ts';
import type { CanaryNote } from '../../shared/canary/canary.ts';

export interface DbQuery {
  readonly url: string;
  readonly authToken?: string;
  readonly app?: string;
  /** Only decisions at or after this time (ms since epoch). */
  readonly since?: number;
  readonly limit?: number;
  readonly pageSize?: number;
}

/** Number of records the query will return (for the progress bar). */
export async function countRecords(q: DbQuery): Promise<number> {
  const db = open(q);
  try {
    const { where, args } = filter(q);
    const rs = await db.execute({ sql: `SELECT count(*) AS n FROM decisions ${where}`, args });
    const n = Number(rs.rows[0]?.['n'] ?? 0);
    return q.limit === undefined ? n : Math.min(n, q.limit);
  } catch (err) {
    throw dbError(q, err);
  } finally {
    db.close();
  }
}

export async function* readRecordsFromDb(q: DbQuery): AsyncGenerator<ReplayRecord> {
  const db = open(q);
  const page = q.pageSize ?? 2000;
  let after: { at: number; id: string } | null = null;
  let left = q.limit ?? Infinity;
  const cache = new SnapshotCache();
  /** Snapshot JSON by id, for this page's rows (and recent ones: a snapshot spans pages). */
  const texts = new Map<string, string>();
  try {
    // canary_json arrived with migration 10: older databases replay without canary notes.
    const cols = await db.execute('PRAGMA table_info(decisions)').catch((err: unknown) => {
      throw dbError(q, err);
    });
    const canaryCol = cols.rows.some((r) => r['name'] === 'canary_json') ? ', canary_json' : '';
    // snapshot_id arrived with migration 30: older databases hold every snapshot inline.
    const snapshotCol = cols.rows.some((r) => r['name'] === 'snapshot_id') ? ', snapshot_id' : '';
    while (left > 0) {
      const { where, args } = filter(q, after);
      const rs = await db
        .execute({
          sql: `SELECT id, at, explanation_json, input_json${canaryCol}${snapshotCol} FROM decisions ${where} ORDER BY at, id LIMIT ?`,
          args: [...args, Math.min(page, left)],
        })
        .catch((err: unknown) => {
          throw dbError(q, err);
        });
      if (rs.rows.length === 0) return;
      const ids = rs.rows.map((r) => String(r['id']));
      const outcomes = await readOutcomes(db, ids).catch((err: unknown) => {
        throw dbError(q, err);
      });
      await readSnapshots(db, rs.rows, texts).catch((err: unknown) => {
        throw dbError(q, err);
      });
      for (const row of rs.rows) {
        const id = String(row['id']);
        const where = `decisions row ${id}`;
        const input = parseInputJson(textOf(row['input_json'], `${where}: input_json`), `${where}: input_json`, cache, (sid) => texts.get(sid));
        const explanation = textOf(row['explanation_json'], `${where}: explanation_json`);
        const brief = briefFromText(explanation);
        // The explanation is parsed only if the replay reads it whole (verify); see lazy-record.ts.
        const canary = canaryOf(row['canary_json'], `${where}: canary_json`);
        yield brief === null
          ? { input, decision: parseJson(explanation, `${where}: explanation_json`) as Decision, outcomes: outcomes.get(id) ?? [], canary }
          : new LazyRecord(input, outcomes.get(id) ?? [], brief, explanation, `${where}: explanation_json`, canary);
        after = { at: Number(row['at']), id };
      }
      left -= rs.rows.length;
      if (rs.rows.length < page) return;
    }
  } finally {
    db.close();
  }
}

/** The store's opener: a URL naming no database is its 'not-found' error, and no file is created. */
function open(q: DbQuery): Client {
  try {
    return openStore({ url: q.url, authToken: q.authToken, create: false }).client;
  } catch (err) {
    // Already names the database and what to do; keeping its code keeps its exit status.
    if (err instanceof StoreError) throw err;
    throw dbError(q, err);
  }
}

function filter(q: DbQuery, after: { at: number; id: string } | null = null): { where: string; args: InValue[] } {
  const conds: string[] = [];
  const args: InValue[] = [];
  if (q.app !== undefined) {
    conds.push('app_id = ?');
    args.push(q.app);
  }
  if (q.since !== undefined) {
    conds.push('at >= ?');
    args.push(q.since);
  }
  if (after !== null) {
    conds.push('(at > ? OR (at = ? AND id > ?))');
    args.push(after.at, after.at, after.id);
  }
  return { where: conds.length === 0 ? '' : `WHERE ${conds.join(' AND ')}`, args };
}

/**
 * Adds to `texts` the stored JSON of the snapshots a page's rows name that it lacks; past 256 it
 * first forgets those this page does not name. Each is parsed once by the cache, from here.
 */
async function readSnapshots(db: Client, rows: ReadonlyArray<Record<string, unknown>>, texts: Map<string, string>): Promise<void> {
  const page = new Set(rows.map((r) => r['snapshot_id']).filter((v): v is string => typeof v === 'string'));
  if (texts.size > 256) for (const id of texts.keys()) if (!page.has(id)) texts.delete(id);
  const missing = [...page].filter((id) => !texts.has(id));
  for (let i = 0; i < missing.length; i += 500) {
    const chunk = missing.slice(i, i + 500);
    const rs = await db.execute({ sql: `SELECT id, json FROM decision_snapshots WHERE id IN (${chunk.map(() => '?').join(',')})`, args: chunk });
    for (const r of rs.rows) texts.set(String(r['id']), String(r['json']));
  }
}

async function readOutcomes(db: Client, ids: readonly string[]): Promise<Map<string, OutcomeRecord[]>> {
  const out = new Map<string, OutcomeRecord[]>();
  if (ids.length === 0) return out;
  const rs = await db.execute({
    sql: `SELECT decision_id, attempt, proxy_id, cluster_id, status, ttfb_ms, duration_ms FROM outcomes
          WHERE decision_id IN (${ids.map(() => '?').join(',')}) ORDER BY decision_id, attempt`,
    args: [...ids],
  });
  for (const r of rs.rows) {
    const id = String(r['decision_id']);
    const list = out.get(id) ?? [];
    list.push({
      attempt: Number(r['attempt']),
      proxyId: String(r['proxy_id']),
      clusterId: r['cluster_id'] === null ? null : String(r['cluster_id']),
      status: Number(r['status']),
      ttfbMs: r['ttfb_ms'] === null ? null : Number(r['ttfb_ms']),
      durationMs: Number(r['duration_ms']),
    });
    out.set(id, list);
  }
  return out;
}

function textOf(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new BacktestError('bad-record', `${where} is not text`);
  return v;
}

function canaryOf(v: unknown, where: string): CanaryNote | null {
  try {
    return parseCanaryJson(v, where);
  } catch (err) {
    throw new BacktestError('bad-record', err instanceof Error ? err.message : String(err));
  }
}

function parseJson(v: unknown, where: string): unknown {
  if (typeof v !== 'string') throw new BacktestError('bad-record', `${where} is not text`);
  try {
    return JSON.parse(v);
  } catch (err) {
    throw new BacktestError('bad-record', `${where}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * The store's one rule says what went wrong and what to do (an unmigrated database: migrate it;
 * an unreachable one: check the server), so the replay never tells a user with a down server to
 * run a migration.
 */
function dbError(q: DbQuery, err: unknown): BacktestError {
  if (err instanceof BacktestError) return err;
  return new BacktestError('input-read', toStoreError(`reading decisions from ${q.url}`, err).message);
}
