/**
 * A libSQL server that could not be reached, said once for every Node part (CLI, aggregator,
 * dashboard, proxy): the URL tried (credentials left out), why in one word (the socket's code:
 * ECONNREFUSED, ENOTFOUND, timeout, …) and what to check. fetch itself only says "fetch failed"
 * and keeps the reason two causes down, where a CLI that prints `err.message` never looks.
 * Pure: the caller's fetch wrapper, or for ws(s): its client wrapper (control/store/open-store.ts,
 * proxy/src/store-client.ts), throws it.
 */
import { CodedError } from './coded-error.ts';

/**
 * The URL without what may be secret: user info, the query (`?authToken=`) and the fragment.
 * Plain string edits, so a `file:` path reads as it was written.
 */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/[?#].*$/s, '').replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/**
 * The first error code found down the cause chain (and inside an AggregateError: Node's
 * happy-eyeballs connect tries each address), `timeout` for an aborted-by-timer request, else
 * null. undici's connect timeout and a refused port keep their own names.
 */
export function networkReason(err: unknown): string | null {
  let at: unknown = err;
  for (let depth = 0; depth < 6 && at !== null && typeof at === 'object'; depth++) {
    const e = at as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (e.name === 'TimeoutError') return 'timeout';
    if (typeof e.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(e.code)) return e.code;
    if (e.message === 'bad port') return 'bad port';
    // Node's socket errors read `<syscall> <CODE> <address>`; the WebSocket transport keeps only that text.
    const code = typeof e.message === 'string' ? /^(?:connect|getaddrinfo|read|write) (E[A-Z0-9_]+)\b/.exec(e.message)?.[1] : undefined;
    if (code !== undefined) return code;
    at = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  return null;
}

/** What an operator checks for each reason. */
function hintFor(reason: string | null): string {
  if (reason === 'ECONNREFUSED') return 'nothing listens there: start the database server (e.g. `switchyard libsql-server`) or fix the host and port';
  if (reason === 'ENOTFOUND' || reason === 'EAI_AGAIN') return 'the host name does not resolve: check its spelling and DNS';
  if (reason === 'timeout' || reason === 'ETIMEDOUT' || (reason?.startsWith('UND_ERR_') === true && reason.includes('TIMEOUT')))
    return 'no answer in time: check that the server is up and that no firewall drops the connection';
  if (reason === 'bad port') return 'fetch refuses to connect to this port (one browsers block): run the server on another port';
  if (reason !== null && /CERT|TLS|SSL|SELF_SIGNED/.test(reason))
    return "the TLS handshake failed: check the server's certificate, or use http:// for a server without TLS";
  if (reason === 'ECONNRESET' || reason === 'UND_ERR_SOCKET') return "the connection was cut: check that the server speaks the URL's scheme (http: or https:) and its logs";
  return 'check that the database server is running and the URL is right';
}

/**
 * The caller's own deadline, so a `timeout` says how long was waited and what sets it
 * (e.g. `SWITCHYARD_DB_TIMEOUT_MS`); without it the message says only `timeout`.
 */
export interface RequestDeadline {
  readonly timeoutMs: number;
  readonly setting?: string;
}

/** A request to the libSQL server at `url` that failed before any answer came. */
export class DatabaseUnreachableError extends CodedError<'database-unreachable'> {
  override readonly name = 'DatabaseUnreachableError';
  /** The URL tried, credentials left out. */
  readonly url: string;
  /** ECONNREFUSED, ENOTFOUND, timeout, …; null when the failure named none. */
  readonly reason: string | null;

  constructor(url: string, cause: unknown, deadline?: RequestDeadline) {
    const reason = networkReason(cause);
    const shown = redactDatabaseUrl(url);
    const ours = reason === 'timeout' && deadline !== undefined;
    const why = ours ? `no answer within ${deadline.timeoutMs} ms` : (reason ?? describe(cause));
    const wait = ours && deadline.setting !== undefined ? `; ${deadline.setting} sets how long to wait` : '';
    super('database-unreachable', 503, `cannot reach the database at ${shown} (${why}): ${hintFor(reason)}${wait}`, { cause });
    this.url = shown;
    this.reason = reason;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `fetchImpl` for @libsql/client's `fetch` option: a request that fails before its whole answer
 * (refused, no such host, timeout, TLS, a body cut or stalled after the headers) becomes a
 * DatabaseUnreachableError naming `url`. The body is read here, inside the fetch's deadline: a
 * server that sent its headers and then stalled ended a command with the abort's bare "The
 * operation was aborted due to timeout" (the client reads every answer whole anyway). The caller
 * passes the fetch (shared/ does no I/O) and, when that fetch has a deadline, says which, for the
 * message.
 */
export function fetchNamingDatabase(
  url: string,
  fetchImpl: (request: Request) => Promise<Response>,
  deadline?: RequestDeadline,
): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const res = await fetchImpl(request);
      const body = res.body === null || NULL_BODY.has(res.status) ? null : await res.arrayBuffer();
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (err) {
      throw new DatabaseUnreachableError(url, err, deadline);
    }
  };
}

/** Statuses whose Response may not carry a body (the constructor throws on one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** The client methods that talk to the server (@libsql/client's Client). */
const SERVER_CALLS = new Set<PropertyKey>(['execute', 'batch', 'migrate', 'transaction', 'executeMultiple', 'sync']);

/**
 * A libSQL client over `ws:`/`wss:` whose calls that fail on the socket (refused, no such host:
 * a LibsqlError HRANA_WEBSOCKET_ERROR whose text names the code) throw a DatabaseUnreachableError
 * naming `url`, as fetchNamingDatabase does over HTTP; other failures (a 401 on the upgrade, SQL)
 * pass unchanged. With a `deadline`, a call with no answer in that time throws one too (reason
 * `timeout`), as an HTTP request's signal ends it: a server that accepts the socket and never
 * answers the upgrade otherwise held a command forever. The WebSocket transport takes no fetch
 * to wrap, so the client is. Any other scheme goes over fetch (fetchNamingDatabase names its
 * failures and its fetch carries the deadline): the client comes back as it is.
 */
export function clientNamingDatabase<C extends object>(url: string, client: C, deadline?: RequestDeadline): C {
  if (!/^wss?:/i.test(url)) return client;
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      // The client keeps private fields: its methods run on it, never on the proxy.
      if (!SERVER_CALLS.has(prop)) return value.bind(target);
      return async (...args: unknown[]): Promise<unknown> => {
        try {
          return await withinDeadline((value as (...a: unknown[]) => Promise<unknown>).apply(target, args), deadline);
        } catch (err) {
          if (err instanceof DeadlinePassed) throw new DatabaseUnreachableError(url, err, deadline);
          throw socketFailure(url, err) ?? err;
        }
      };
    },
  });
}

/** A call that had no answer by its deadline (`networkReason` reads its name as `timeout`). */
class DeadlinePassed extends Error {
  override readonly name = 'TimeoutError';
}

/** `call`'s result, or a DeadlinePassed once `deadline` has passed without one (the call itself is left to end or not). */
function withinDeadline<T>(call: Promise<T>, deadline: RequestDeadline | undefined): Promise<T> {
  if (deadline === undefined) return call;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const passed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlinePassed(`no answer within ${deadline.timeoutMs} ms`)), deadline.timeoutMs);
  });
  return Promise.race([call, passed]).finally(() => clearTimeout(timer));
}

function socketFailure(url: string, err: unknown): DatabaseUnreachableError | null {
  const e = err as { code?: unknown; cause?: unknown } | null;
  if (e === null || typeof e !== 'object' || e.code !== 'HRANA_WEBSOCKET_ERROR') return null;
  // Past the LibsqlError's own code, to the socket's.
  return networkReason(e.cause) === null ? null : new DatabaseUnreachableError(url, e.cause);
}
