/**
 * Every failure of the store is a StoreError with a stable `code` and a message an operator can
 * act on. libSQL, network and row-shape errors are converted here and nowhere else.
 */
import type { LibsqlError } from '@libsql/client';
import { DatabaseUnreachableError } from '../../shared/errors/database-unreachable.ts';
import { SnapshotError } from '../../shared/snapshot/errors.ts';

export type StoreErrorCode =
  | 'invalid-url' // the database URL is not one libSQL can open
  | 'not-a-database' // the file the URL names is not a SQLite/libSQL database (SQLITE_NOTADB)
  | 'not-found' // a local database file that does not exist, where none may be created
  | 'unreachable' // network / server failure talking to a remote database
  | 'unauthorized' // the server refused the auth token
  | 'schema-missing' // a table or column is missing: the database was never migrated, or by older code
  | 'schema-too-new' // the database was migrated by newer code than this checkout
  | 'constraint' // a row violates a key or foreign key (e.g. app of an unknown project)
  | 'busy' // another writer holds the lock for longer than the busy timeout
  | 'invalid-data' // a stored row does not fit the domain model
  | 'invalid-input' // the caller passed values the schema cannot hold
  | 'not-registered' // a row this writer may only update (not create) is not there, e.g. a cluster without its proxy
  | 'failed'; // anything else libSQL reported

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/**
 * A libSQL client error, told by its name rather than `instanceof`: this module is on every command's
 * startup path (validating a --db URL) and on every failure's, and loading the client for the class
 * costs ~0.1 s that commands reading no database (replay --input, simulate) need not pay; where the
 * client's native library cannot load, that import would also replace the error being reported.
 */
export function isLibsqlError(err: unknown): err is LibsqlError {
  return err instanceof Error && (err.name === 'LibsqlError' || err.name === 'LibsqlBatchError');
}

function classify(err: LibsqlError): StoreErrorCode {
  const code = `${err.code} ${err.extendedCode ?? ''}`;
  if (code.includes('URL_INVALID') || code.includes('URL_SCHEME_NOT_SUPPORTED'))
    return 'invalid-url';
  // A missing table, or a missing column (read, or written: "table t has no column named c"):
  // a database migrated by older code than this checkout.
  if (/no such (table|column)|has no column named/i.test(err.message)) return 'schema-missing';
  if (code.includes('NOTADB')) return 'not-a-database';
  if (code.includes('CONSTRAINT')) return 'constraint';
  if (code.includes('BUSY') || code.includes('LOCKED')) return 'busy';
  if (/\b(401|403)\b|unauthori[sz]ed|auth/i.test(err.message)) return 'unauthorized';
  if (code.includes('SERVER_ERROR') || code.includes('HRANA') || code.includes('WEBSOCKET'))
    return 'unreachable';
  return 'failed';
}

const HINTS: Readonly<Record<StoreErrorCode, string>> = {
  'invalid-url': 'use file:PATH, libsql://HOST, http(s)://HOST[:PORT], ws(s)://HOST[:PORT] or :memory: (--db, LIBSQL_URL)',
  'not-found': 'run `switchyard db migrate` to create it, or fix the URL',
  // The URL names some other file: "see the cause" showed no cause.
  'not-a-database': 'the file --db (or LIBSQL_URL) names is not a libSQL database: check the path',
  unreachable: 'check that the database server is running and the URL is right',
  // `switchyard proxy` has no --auth-token: it reads the token from the environment only.
  unauthorized: 'check the database auth token: LIBSQL_AUTH_TOKEN, or --auth-token where the command has it',
  'schema-missing': 'run `switchyard db migrate` against this database',
  'schema-too-new': 'upgrade this checkout of switchyard',
  constraint: 'write the referenced row (project, app, cluster) first or fix the key',
  busy: 'another process holds the write lock; retry',
  'invalid-data': 'fix the config that wrote this row (e.g. `switchyard apply`)',
  'invalid-input': 'fix the value passed to the store',
  'not-registered': 'register it first (`switchyard apply`)',
  failed: 'see the cause',
};

/** Convert anything thrown while doing `action` into a StoreError (idempotent). */
export function toStoreError(action: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  // Already says the URL, why and what to check.
  if (err instanceof DatabaseUnreachableError)
    return new StoreError('unreachable', `${action} failed (unreachable): ${err.message}`, { cause: err });
  let code: StoreErrorCode = 'failed';
  let detail = String(err);
  if (isLibsqlError(err)) {
    code = classify(err);
    detail = err.message;
  } else if (err instanceof SnapshotError) {
    code = 'invalid-data';
    detail = err.message;
  } else if (err instanceof Error) {
    // fetch() failures (connection refused, DNS) surface as a bare TypeError from the HTTP client.
    code = err.name === 'TypeError' && /fetch/i.test(err.message) ? 'unreachable' : 'failed';
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    detail = `${err.message}${cause}`;
  }
  return new StoreError(code, `${action} failed (${code}): ${detail} — ${HINTS[code]}`, {
    cause: err,
  });
}

/** Run one store operation, converting whatever it throws at this single boundary. */
export async function guard<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toStoreError(action, err);
  }
}
