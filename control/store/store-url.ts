/**
 * Whether a database URL is one libSQL can open, judged without loading the client: every command
 * that takes --db / LIBSQL_URL checks it before anything is opened, and commands that then read no
 * database (replay --input, simulate) should not pay the client's ~0.1 s start-up for the check.
 */
import { redactDatabaseUrl } from '../../shared/errors/database-unreachable.ts';
import { StoreError } from './errors.ts';

/**
 * Without a deadline a server that accepts the connection and never answers holds a command for
 * undici's own 5 minutes, silently. Every caller's statements are short (the aggregator's push,
 * a command's reads and writes; libSQL over HTTP has no long poll), so 30 s only ends hung ones.
 * The proxy has its own client and deadline (proxy/src/store-client.ts).
 */
export const DEFAULT_STORE_REQUEST_TIMEOUT_MS = 30_000;

/** What @libsql/client opens (its URL_SCHEME_NOT_SUPPORTED lists the same), besides `:memory:`. */
const SCHEMES = ['file:', 'libsql:', 'http:', 'https:', 'ws:', 'wss:'] as const;

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
