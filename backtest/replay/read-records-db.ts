/**
 * Reads decision records (with their outcomes) from libSQL — a `file:` path,
 * the local Hrana endpoint or Turso — page by page, oldest first. A row naming its
 * snapshot (migration 30) has it read once per page from `decision_snapshots`, and not at all
 * when the cache already parsed it; older rows carry theirs inline. With `briefOnly` (a replay
 * that does not verify) a row's ~5 KB explanation is never fetched, only its brief.
 */
import type { Client, InValue } from '@libsql/client';
import { parseInputJson, SnapshotCache, type DecisionInput, type OutcomeRecord } from '../decision-record.ts';
import type { Decision } from '../../shared/decision/types.ts';
import { BacktestError } from '../errors.ts';
import { StoreError, toStoreError } from '../../control/store/errors.ts';
import { openStore, type StoreDeadline } from '../../control/store/open-store.ts';
import { redactDatabaseUrl } from '../../shared/errors/database-unreachable.ts';
import { briefFromHead, briefFromText, BriefRecord, LazyRecord, type DecisionBrief, type ReplayRecord } from './lazy-record.ts';
import { parseCanaryJson } from './canary-replay.ts';
import type { CanaryNote } from '../../shared/canary/canary.ts';

export interface DbQuery extends StoreDeadline {
  readonly url: string;
  readonly authToken?: string;
  readonly app?: string;
  /** Only decisions at or after this time (ms since epoch). */
  readonly since?: number;
  readonly limit?: number;
  readonly pageSize?: number;
  /**
   * Read each decision's brief instead of its ~5 KB explanation: the row's head columns and the
   * chosen candidate's estimate and price, which SQLite cuts out of `explanation_json`. What a
   * replay that does not verify uses; the records' `decision` then throws (see `BriefRecord`).
   */
  readonly briefOnly?: boolean;
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

type Row = Record<string, unknown>;

/** The query's decision records with their outcomes, oldest first, a page of rows at a time. */
export async function* readRecordsFromDb(q: DbQuery): AsyncGenerator<ReplayRecord> {
  const db = open(q);
  const page = q.pageSize ?? 2000;
  let after: { at: number; id: string } | null = null;
  let left = q.limit ?? Infinity;
  const cache = new SnapshotCache();
  /** Snapshot JSON by id, for this page's rows (and recent ones: a snapshot spans pages). */
  const texts = new Map<string, string>();
  try {
    const optional = await guarded(q, optionalColumns(db));
    while (left > 0) {
      const { rows, briefs } = await readPage(db, q, optional, after, Math.min(page, left));
      if (rows.length === 0) return;
      const ids = rows.map((r) => String(r['id']));
      const outcomes = await guarded(q, readOutcomes(db, ids));
      await guarded(q, readSnapshots(db, rows, texts));
      // Rows whose brief SQLite could not cut out (another shape) are read whole, as without briefOnly.
      const missing = briefs === null ? [] : ids.filter((_, i) => briefs[i] === null);
      const explanations = await guarded(q, readExplanations(db, missing));
      for (const [i, row] of rows.entries()) {
        const id = ids[i] ?? '';
        const where = `decisions row ${id}`;
        const input = parseInputJson(textOf(row['input_json'], `${where}: input_json`), `${where}: input_json`, cache, (sid) => texts.get(sid));
        const canary = canaryOf(row['canary_json'], `${where}: canary_json`);
        const outs = outcomes.get(id) ?? [];
        const brief = briefs?.[i] ?? null;
        yield brief === null
          ? wholeRecord(input, outs, textOf(row['explanation_json'] ?? explanations.get(id), `${where}: explanation_json`), where, canary)
          : new BriefRecord(input, outs, brief, where, canary);
        after = { at: Number(row['at']), id };
      }
      left -= rows.length;
      if (rows.length < page) return;
    }
  } finally {
    db.close();
  }
}

/** A record from its whole explanation; parsed only if the replay reads it whole (verify): see lazy-record.ts. */
function wholeRecord(input: DecisionInput, outcomes: readonly OutcomeRecord[], explanation: string, where: string, canary: CanaryNote | null): ReplayRecord {
  const brief = briefFromText(explanation);
  return brief === null
    ? { input, decision: parseJson(explanation, `${where}: explanation_json`) as Decision, outcomes, canary }
    : new LazyRecord(input, outcomes, brief, explanation, `${where}: explanation_json`, canary);
}

/** The columns later migrations added that a replay reads, as `, name` for each the database has. */
async function optionalColumns(db: Client): Promise<string> {
  const cols = await db.execute('PRAGMA table_info(decisions)');
  const has = (name: string): boolean => cols.rows.some((r) => r['name'] === name);
  // canary_json arrived with migration 10 (older databases replay without canary notes);
  // snapshot_id with migration 30 (older databases hold every snapshot inline).
  return `${has('canary_json') ? ', canary_json' : ''}${has('snapshot_id') ? ', snapshot_id' : ''}`;
}

/**
 * The chosen candidate's estimate and price as JSON text (`[ms, $/h]`): `->` keeps each number's
 * text as written, so JavaScript reads the same double `JSON.parse` would (`->>` goes through
 * SQLite's own conversion). Null for no candidate named or found.
 */
const CHOSEN_NUMBERS = `CASE WHEN chosen_cluster IS NULL THEN NULL ELSE (SELECT json_array(c.value -> 'estimatedLatencyMs', c.value -> 'pricePerHour')
  FROM json_each(explanation_json, '$.candidates') c WHERE c.value ->> 'clusterId' = chosen_cluster LIMIT 1) END AS chosen_numbers`;

/**
 * One page of rows, oldest first. With `briefOnly`, each row's brief (null: read it whole) in
 * place of its explanation; a page holding an explanation SQLite cannot parse is read whole,
 * so the reader names the row as it does without briefOnly.
 */
async function readPage(db: Client, q: DbQuery, optional: string, after: { at: number; id: string } | null, n: number): Promise<{ rows: Row[]; briefs: Array<DecisionBrief | null> | null }> {
  const select = (cols: string): Promise<Row[]> => db.execute(pageQuery(q, `${cols}${optional}`, after, n)).then((rs) => rs.rows);
  if (q.briefOnly === true) {
    try {
      const rows = await select(`id, at, app_id, outcome, chosen_cluster, input_json, ${CHOSEN_NUMBERS}`);
      return { rows, briefs: rows.map(briefOfRow) };
    } catch (err) {
      if (!/malformed JSON/i.test(err instanceof Error ? err.message : String(err))) throw dbError(q, err);
    }
  }
  return { rows: await guarded(q, select('id, at, explanation_json, input_json')), briefs: null };
}

/**
 * A row's brief from its head columns (every writer fills them from the same Decision as its
 * `explanation_json`) and the chosen candidate's numbers; null when either has another shape.
 */
function briefOfRow(row: Row): DecisionBrief | null {
  const head = { id: row['id'], at: row['at'], appId: row['app_id'], outcome: row['outcome'], chosen: row['chosen_cluster'] };
  return briefFromHead(head, () => {
    const v = typeof row['chosen_numbers'] === 'string' ? tryParse(row['chosen_numbers']) : null;
    if (!Array.isArray(v) || v.length !== 2) return null;
    const [latency, price] = v as unknown[];
    return isNumberOrNull(latency) && isNumberOrNull(price) ? { latency, price } : null;
  });
}

function isNumberOrNull(v: unknown): v is number | null {
  return v === null || (typeof v === 'number' && Number.isFinite(v));
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readExplanations(db: Client, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const rs = await db.execute({ sql: `SELECT id, explanation_json FROM decisions WHERE id IN (${ids.map(() => '?').join(',')})`, args: [...ids] });
  for (const r of rs.rows) if (typeof r['explanation_json'] === 'string') out.set(String(r['id']), r['explanation_json']);
  return out;
}

/** Awaits a database step, its failure said the store's way (`dbError`). */
async function guarded<T>(q: DbQuery, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw dbError(q, err);
  }
}

/** The store's opener: a URL naming no database is its 'not-found' error, and no file is created. */
function open(q: DbQuery): Client {
  try {
    return openStore({ url: q.url, authToken: q.authToken, requestTimeoutMs: q.requestTimeoutMs, requestTimeoutSetting: q.requestTimeoutSetting, create: false }).client;
  } catch (err) {
    // Already names the database and what to do; keeping its code keeps its exit status.
    if (err instanceof StoreError) throw err;
    throw dbError(q, err);
  }
}

/**
 * The statement of one page: `n` rows after `after` in (at, id) order. It seeks an index, never
 * sorts the table: `decisions_app_at` with an app, else `decisions_at` (migration 31).
 */
export function pageQuery(q: DbQuery, cols: string, after: { at: number; id: string } | null, n: number): { sql: string; args: InValue[] } {
  const { where, args } = filter(q, after);
  return { sql: `SELECT ${cols} FROM decisions ${where} ORDER BY at, id LIMIT ?`, args: [...args, n] };
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
    // After (at, id), written with a plain `at >= ?` so `--app` pages seek `decisions_app_at`
    // (app_id = ? AND at > ?) instead of walking all the app's rows from its first for every page.
    conds.push('at >= ? AND (at > ? OR id > ?)');
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
  return new BacktestError('input-read', toStoreError(`reading decisions from ${redactDatabaseUrl(q.url)}`, err).message);
}
