/**
 * Opening a libSQL database: one entry point for local files, in-memory databases, the local
 * Hrana HTTP endpoint and Turso, so callers only ever change a URL and a token.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { clientNamingDatabase, fetchNamingDatabase, redactDatabaseUrl } from '../../shared/errors/database-unreachable.ts';
import { StoreError, toStoreError } from './errors.ts';
import { localPathOf } from './local-path.ts';

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

/** What @libsql/client opens (its URL_SCHEME_NOT_SUPPORTED lists the same), besides `:memory:`. */
const SCHEMES = ['file:', 'libsql:', 'http:', 'https:', 'ws:', 'wss:'] as const;

/** Aggregators and the CLI write the same file concurrently; wait for the lock instead of failing. */
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Without a deadline a server that accepts the connection and never answers holds a command for
 * undici's own 5 minutes, silently. Every caller's statements are short (the aggregator's push,
 * a command's reads and writes; libSQL over HTTP has no long poll), so 30 s only ends hung ones.
 * The proxy has its own client and deadline (proxy/src/store-client.ts).
 */
export const DEFAULT_STORE_REQUEST_TIMEOUT_MS = 30_000;

/**
 * What is wrong with a URL libSQL cannot open, said so it tells what would work, or null.
 * `source` names where the URL came from (`--db`, `LIBSQL_URL`, …) so the operator knows what
 * to fix; the URL is shown without credentials.
 */
export function storeUrlProblem(url: string, source = 'database URL'): string | null {
  if (url === ':memory:') return null;
  const shown = `${source} ${JSON.stringify(redactDatabaseUrl(url))}`;
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || !(SCHEMES as readonly string[]).includes(scheme)) {
    // No scheme and a path's look (`/…`, `./…`, `dir/file.db`): most likely a file meant as one.
    const path = scheme === undefined && /[/\\]|\.db$/.test(url) ? ` (did you mean file:${url}?)` : '';
    const given = scheme === undefined ? 'has no scheme' : `has scheme ${scheme}`;
    return `${shown} is not supported: it ${given}${path}; use file:PATH, libsql://HOST, http(s)://HOST[:PORT], ws(s)://HOST[:PORT] or :memory:`;
  }
  if (scheme === 'file:') return url.length <= 'file:'.length ? `${shown} needs a path, e.g. file:.switchyard/switchyard.db` : null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (parsed === null || parsed.hostname === '') return `${shown} has no valid host: use e.g. http://127.0.0.1:8080 or libsql://db-org.turso.io`;
  // Over HTTP (libsql: is HTTP in this client) fetch refuses such a URL with an error that
  // repeats it, password and all; ws(s): may carry a server's basic auth.
  if (!scheme.startsWith('ws') && (parsed.username !== '' || parsed.password !== ''))
    return `${shown} carries a user name or password: give the database token with --auth-token or LIBSQL_AUTH_TOKEN instead`;
  return null;
}

/** `storeUrlProblem` as a StoreError 'invalid-url' (the CLI reports it as a usage error, exit 2). */
export function validateStoreUrl(url: string, source?: string): void {
  const problem = storeUrlProblem(url, source);
  if (problem !== null) throw new StoreError('invalid-url', problem);
}

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
