/**
 * One engine connection owned by one Hrana stream, with the stream's stored SQL
 * texts. Each stream has its own connection so an interactive transaction
 * spans HTTP requests without touching other streams.
 */
import Database from 'libsql';
import { badRequest } from './errors.ts';

export interface ConnectionOptions {
  dbPath: string;
  /**
   * Engine-level busy wait. Kept short on purpose: the engine blocks the event
   * loop while it waits, and the lock holder is usually another stream in this
   * same process, which cannot make progress until we yield. Longer waits are
   * done asynchronously (busy-retry.ts).
   */
  syncBusyTimeoutMs: number;
}

export class Connection {
  readonly #options: ConnectionOptions;
  #db: Database.Database;
  #counters: Database.Statement;
  readonly #sqls = new Map<number, string>();

  constructor(options: ConnectionOptions) {
    this.#options = options;
    [this.#db, this.#counters] = openEngine(options);
  }

  get db(): Database.Database {
    return this.#db;
  }

  /**
   * Make the connection usable again after SQLITE_BUSY. The engine does not
   * reset a statement that failed with BUSY, and such a statement keeps an
   * implicit transaction open: later autocommit writes would then never be
   * committed. Reopening finalizes it. Only safe outside an explicit
   * transaction; returns false (do not retry) inside one.
   */
  recoverFromBusy(): boolean {
    if (this.#db.inTransaction) return false;
    this.#db.close();
    [this.#db, this.#counters] = openEngine(this.#options);
    return true;
  }

  /** Change counters and last rowid, read exactly (BigInt) from the engine. */
  counters(): { total: bigint; changes: bigint; lastRowid: bigint } {
    const row = this.#counters.get([]);
    if (!Array.isArray(row)) return { total: 0n, changes: 0n, lastRowid: 0n };
    const [total, changes, lastRowid] = row.map((v: unknown) => (typeof v === 'bigint' ? v : 0n));
    return { total: total ?? 0n, changes: changes ?? 0n, lastRowid: lastRowid ?? 0n };
  }

  get isAutocommit(): boolean {
    return !this.db.inTransaction;
  }

  storeSql(id: number, sql: string): void {
    if (this.#sqls.has(id)) {
      throw badRequest(`SQL text id ${id} is already in use on this stream; close it first`);
    }
    this.#sqls.set(id, sql);
  }

  closeSql(id: number): void {
    this.#sqls.delete(id);
  }

  /** The SQL text given directly or by a stored id; exactly one must be present. */
  resolveSql(sql: string | null | undefined, sqlId: number | null | undefined): string {
    if (sql !== undefined && sql !== null) {
      if (sqlId !== undefined && sqlId !== null) {
        throw badRequest('Give either "sql" or "sql_id", not both');
      }
      return sql;
    }
    if (sqlId === undefined || sqlId === null) throw badRequest('Missing "sql" or "sql_id"');
    const stored = this.#sqls.get(sqlId);
    if (stored === undefined) {
      throw badRequest(`SQL text id ${sqlId} is not stored on this stream; send store_sql first`);
    }
    return stored;
  }

  /** Roll back whatever is open and release the engine connection. */
  close(): void {
    if (!this.db.open) return;
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // The connection is going away; closing it rolls back regardless.
    }
    this.db.close();
  }
}

function openEngine(options: ConnectionOptions): [Database.Database, Database.Statement] {
  const db = new Database(options.dbPath);
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.syncBusyTimeoutMs))}`);
  const counters = db
    .prepare('SELECT total_changes(), changes(), last_insert_rowid()')
    .raw(true)
    .safeIntegers(true);
  return [db, counters];
}
