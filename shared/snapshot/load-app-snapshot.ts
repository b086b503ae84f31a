/**
 * Loaders over an injected libSQL client (Node `@libsql/client` or `@libsql/client/web` in
 * workerd). The client is passed in, so this file does no I/O of its own and stays in shared/.
 */
import type { ApiKey, AppSnapshot } from '../domain/types.ts';
import { buildAppSnapshot, type BuildSnapshotOptions } from './build-app-snapshot.ts';
import { parseApiKeyRow, parseApiKeyRows, parseAppIdRows, parseUnheldProjectRows } from './parse-api-key.ts';
import { parseAppGateRows, parseAuthClockRow, type AppGate } from './parse-app-gates.ts';
import type { KeyHashFilter } from './key-hash-filter.ts';
import type { Row, UnreadableRow } from './row-values.ts';
import {
  API_KEY_STATEMENT,
  API_KEYS_BY_HASH_STATEMENTS,
  API_KEYS_STATEMENT,
  APP_GATES_STATEMENT,
  APP_IDS_STATEMENT,
  AUTH_CLOCK_STATEMENT,
  APP_SNAPSHOT_STATEMENTS,
  OUTCOME_WINDOW_MS,
  UNHELD_PROJECTS_STATEMENT,
  type Statement,
} from './statements.ts';

/** The slice of a libSQL client the loaders need; both libSQL clients satisfy it structurally. */
export interface SnapshotReader {
  batch(
    statements: Array<{ sql: string; args: Array<string | number> }>,
    mode: 'read',
  ): Promise<ReadonlyArray<{ readonly rows: ReadonlyArray<Row> }>>;
}

const mutable = (s: Statement): { sql: string; args: Array<string | number> } => ({
  sql: s.sql,
  args: [...s.args],
});

/** Read one app's snapshot in one read batch (one consistent view). Null = unknown app. */
export async function loadAppSnapshot(
  db: SnapshotReader,
  appId: string,
  now: number,
  options: BuildSnapshotOptions = {},
): Promise<AppSnapshot | null> {
  const statements = APP_SNAPSHOT_STATEMENTS(appId, now - OUTCOME_WINDOW_MS, now);
  const results = await db.batch(statements.map(mutable), 'read');
  return buildAppSnapshot(results, now, options);
}

/** Every app id. */
export async function loadAppIds(db: SnapshotReader): Promise<string[]> {
  const [rs] = await db.batch([mutable(APP_IDS_STATEMENT)], 'read');
  return parseAppIdRows(rs?.rows ?? []);
}

/** The API key with this hex SHA-256 hash, or null. */
export async function loadApiKey(db: SnapshotReader, hash: string): Promise<ApiKey | null> {
  const [rs] = await db.batch([mutable(API_KEY_STATEMENT(hash))], 'read');
  return parseApiKeyRow(rs?.rows[0]);
}

/** The keys with these hashes that exist, by hash, in one round trip (none read for none asked). */
export async function loadApiKeysByHash(db: SnapshotReader, hashes: readonly string[]): Promise<Map<string, ApiKey>> {
  const keys = new Map<string, ApiKey>();
  if (hashes.length === 0) return keys;
  for (const rs of await db.batch(API_KEYS_BY_HASH_STATEMENTS(hashes).map(mutable), 'read')) {
    // Every tenant's cached keys in one read: an unreadable row must not fail it (a failed re-read
    // keeps every value, revoked ones too). Left out, that key reads as gone: refused.
    for (const [hash, key] of parseApiKeyRows(rs.rows).keys) keys.set(hash, key);
  }
  return keys;
}

/** The auth clock alone: one row, read by each edge isolate at most once a second. */
export async function loadAuthClock(db: SnapshotReader): Promise<number> {
  const [rs] = await db.batch([mutable(AUTH_CLOCK_STATEMENT)], 'read');
  return parseAuthClockRow(rs?.rows[0]);
}

/** What the edge checks before it reads a snapshot, as of one auth clock value. */
export interface AuthRead {
  readonly clock: number;
  readonly gates: Map<string, AppGate>;
  /**
   * By hash, every API key of every project but those in `unheld`, as of the same clock; null
   * when the edge looks every key up one by one (`maxKeys` 0, or a database before v26, whose keys
   * cannot be known current).
   */
  readonly keys: Map<string, ApiKey> | null;
  /**
   * The projects with more keys than fit beside the others' (`API_KEYS_STATEMENT`): their keys
   * are looked up one by one. Any other project's key not in `keys` does not exist. Names
   * tenants: the operator's log only.
   */
  readonly unheld: ReadonlySet<string>;
  /**
   * Of the projects in `unheld`, those small enough (`filteredKeys`, fewest keys first): a filter
   * of their key hashes, as of the same clock. A hash it does not hold is not one of that
   * project's keys: refused with no read. An unheld project without one is looked up key by key.
   */
  readonly filters: ReadonlyMap<string, KeyHashFilter>;
  /**
   * Rows left out because they cannot be read: their apps are unknown to the edge and their keys
   * refused, for their tenant alone. Names tenants: the operator's log only.
   */
  readonly unreadable: readonly UnreadableRow[];
}

/**
 * The clock, every app's gate and the keys of the projects that fit in `maxKeys` (smallest first),
 * with a filter of the key hashes of the projects past it while their keys total `filteredKeys`
 * (fewest first; 0: none), in one consistent read. A database not yet migrated to v26 (a Worker deployed before `db
 * migrate`) has no clock: its gates come with clock -1 and no keys, and the edge, unable to read
 * the clock, re-reads keys and gates every check as it did before the clock.
 */
export async function loadAppGates(db: SnapshotReader, maxKeys = 0, filteredKeys = 0): Promise<AuthRead> {
  try {
    const statements = [AUTH_CLOCK_STATEMENT, APP_GATES_STATEMENT, ...(maxKeys === 0 ? [] : [API_KEYS_STATEMENT(maxKeys), UNHELD_PROJECTS_STATEMENT(maxKeys, filteredKeys)])];
    const [clock, gates, keys, unheld] = await db.batch(statements.map(mutable), 'read');
    // Row by row: one tenant's unreadable app or key must not fail every tenant's auth view.
    const g = parseAppGateRows(gates?.rows ?? []);
    const clockValue = parseAuthClockRow(clock?.rows[0]);
    if (maxKeys === 0) return { clock: clockValue, gates: g.gates, keys: null, unheld: new Set(), filters: new Map(), unreadable: g.unreadable };
    const k = parseApiKeyRows(keys?.rows ?? []);
    const u = parseUnheldProjectRows(unheld?.rows ?? []);
    return { clock: clockValue, gates: g.gates, keys: k.keys, unheld: u.projects, filters: u.filters, unreadable: [...g.unreadable, ...k.unreadable, ...u.unreadable] };
  } catch (err) {
    if (!/no such table:? (main\.)?auth_clock/i.test(err instanceof Error ? err.message : String(err))) throw err;
    const [gates] = await db.batch([mutable(APP_GATES_STATEMENT)], 'read');
    const g = parseAppGateRows(gates?.rows ?? []);
    return { clock: -1, gates: g.gates, keys: null, unheld: new Set(), filters: new Map(), unreadable: g.unreadable };
  }
}
