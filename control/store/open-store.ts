/**
 * Opening a libSQL database: one entry point for local files, in-memory databases, the local
 * Hrana HTTP endpoint and Turso, so callers only ever change a URL and a token.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { clientNamingDatabase, fetchNamingDatabase } from '../../shared/errors/database-unreachable.ts';
import { StoreError, toStoreError } from './errors.ts';
import { DEFAULT_STORE_REQUEST_TIMEOUT_MS, validateStoreUrl } from './store-url.ts';
import { localPathOf } from './local-path.ts';

export { DEFAULT_STORE_REQUEST_TIMEOUT_MS, storeUrlProblem, validateStoreUrl } from './store-url.ts';

export interface StoreOptions {
  readonly url: string;
  readonly authToken?: string | undefined;
  /** How long a local file write waits for another writer's lock (ms). */
  readonly busyTimeoutMs?: number;
  /**
   * Whether a missing local database file may be created (libSQL's own behaviour, the default).
   * false: a StoreError 'not-found' instead, and no file is left behind — for everything that
   * reads or writes an existing database, where a typo in the path must not yield an empty one.
   */
  readonly create?: boolean;
  /**
   * Longest one HTTP request to a libSQL server may take (ms; default
   * DEFAULT_STORE_REQUEST_TIMEOUT_MS); `requestTimeoutSetting` names what sets it, for the message.
   */
  readonly requestTimeoutMs?: number | undefined;
  readonly requestTimeoutSetting?: string | undefined;
}

/** What a caller that resolved the database (control/config/db-flags.ts) passes on to openStore. */
export type StoreDeadline = Pick<StoreOptions, 'requestTimeoutMs' | 'requestTimeoutSetting'>;

export interface Store {
  readonly client: Client;
  readonly url: string;
  close(): void;
}

/** Aggregators and the CLI write the same file concurrently; wait for the lock instead of failing. */
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** Open a store. Synchronous: libSQL connects lazily on the first statement. */
export function openStore(options: StoreOptions): Store {
  validateStoreUrl(options.url);
  if (options.create === false) refuseMissingFile(options.url);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_STORE_REQUEST_TIMEOUT_MS;
  try {
    const deadline = { timeoutMs, ...(options.requestTimeoutSetting === undefined ? {} : { setting: options.requestTimeoutSetting }) };
    const client = createClient({
      url: options.url,
      ...(options.authToken !== undefined && options.authToken !== ''
        ? { authToken: options.authToken }
        : {}),
      timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
      // http(s): and libsql: go over fetch, whose "fetch failed" names neither the URL nor why.
      fetch: fetchNamingDatabase(options.url, (request) => fetch(request, { signal: AbortSignal.timeout(timeoutMs) }), deadline),
    });
    // ws(s): does not go through fetch: its socket failures and deadline are kept on the client instead.
    return { client: clientNamingDatabase(options.url, client, deadline), url: options.url, close: () => client.close() };
  } catch (err) {
    throw localFileProblem(options.url, err) ?? toStoreError(`opening ${options.url}`, err);
  }
}

/** A `file:` URL whose file does not exist: a StoreError 'not-found' naming the path. */
function refuseMissingFile(url: string): void {
  const path = localPathOf(url);
  if (path === null || path === ':memory:' || existsSync(path)) return;
  throw new StoreError(
    'not-found',
    `no database at ${resolve(path)}; run \`switchyard db migrate --db ${url}\` or check --db/LIBSQL_URL`,
  );
}

/**
 * libSQL reports a local file it cannot open as `ConnectionFailed(…: 14)` (SQLITE_CANTOPEN) with
 * no path problem named; say which directory is missing or is not one.
 */
function localFileProblem(url: string, err: unknown): StoreError | null {
  const path = localPathOf(url);
  if (path === null || path === ':memory:') return null;
  const dir = dirname(resolve(path));
  let problem: string | null = null;
  if (!existsSync(dir)) problem = `its directory ${dir} does not exist: create it or fix the path`;
  else if (!statSync(dir).isDirectory()) problem = `${dir} is not a directory: fix the path`;
  else if (existsSync(path) && statSync(path).isDirectory())
    problem = `${resolve(path)} is a directory: name a database file inside it`;
  if (problem === null) return null;
  return new StoreError('invalid-url', `cannot open database ${url}: ${problem}`, { cause: err });
}
