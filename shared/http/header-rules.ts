/**
 * The header rules of forwarding, one list each, used by the edge (`workers/src/hop-by-hop.ts`,
 * on `Headers`) and the regional proxy (`proxy/src/headers.ts`, on Node header objects):
 *
 * * hop-by-hop (RFC 9110 §7.6.1): describe one connection, never cross a hop, either way —
 *   plus every name the `Connection` header lists; `Expect` is answered by each hop itself;
 * * credentials: the client's Switchyard API key (`Authorization`) and cookies are for the
 *   edge; replicas get them only when the app sets `requests.forwardAuthorization`;
 * * Switchyard's own request headers: the routing token and mode are ours; a client's copy is
 *   dropped (the edge sets the real token);
 * * forwarded headers (`X-Forwarded-*`, RFC 7239 `Forwarded`): the proxy appends what it saw;
 * * Switchyard's own response headers (`x-switchyard-*`, e.g. `x-switchyard-refused`) come only
 *   from Switchyard: every one a replica sends is dropped (a replica answering
 *   `x-switchyard-refused: not-started` would make the edge re-send a POST it already ran).
 */

/** Headers that describe one connection (plus HTTP/2's own upgrade settings). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/**
 * A WebSocket opening handshake: HTTP/1.1 `Upgrade: websocket` (RFC 6455 §4.1, token compared
 * case-insensitively) or HTTP/2 extended CONNECT with `:protocol: websocket` (RFC 8441 §4). The
 * edge answers these only in token mode; the proxy holds them.
 */
export function asksForWebSocket(upgrade: string | null | undefined, protocol?: unknown): boolean {
  return upgrade?.toLowerCase() === 'websocket' || protocol === 'websocket';
}

/** Client credentials meant for Switchyard, not for the app's replicas. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie']);

/** The routing token header: set by the edge, read by the proxy, never seen by a replica. */
export const TOKEN_HEADER = 'x-switchyard-token';

/**
 * Client-sent Switchyard headers never passed on (the edge sets its own token). The operator key
 * is read by the edge for explain / synthetic requests and is a secret: never past the edge.
 */
export const SWITCHYARD_CLIENT_HEADERS: ReadonlySet<string> = new Set([
  TOKEN_HEADER,
  'x-switchyard-mode',
  'x-switchyard-operator-key',
  // Async jobs (proxy/src/async-jobs.ts): the submit flag, the proxy's own runner credential and
  // the id of the job it runs (the capability to read and cancel the job: never a replica's).
  'x-switchyard-async',
  'x-switchyard-webhook',
  'x-switchyard-job-runner',
  'x-switchyard-job',
]);

/**
 * Of those, the client's requests to the proxy itself (an async job and its webhook,
 * proxy/src/async-job-routes.ts): the edge passes them on to the proxy, which never passes them
 * to a replica. Stripped at the edge too, `x-switchyard-async: 1` through the edge silently got a
 * synchronous answer, and no webhook could be asked for there.
 */
export const PROXY_DIRECTED_HEADERS: ReadonlySet<string> = new Set(['x-switchyard-async', 'x-switchyard-webhook']);

/**
 * The operator dashboard's session cookie (control/dashboard/operator-auth.ts): an operator's
 * credential, not an app's. Cookies ignore ports, so a dashboard on the edge's or a proxy's host
 * (every part of `switchyard dev` is on 127.0.0.1) has the browser send it with every request to
 * every app there: it never crosses the edge or the proxy, even for an app that forwards its
 * clients' cookies (`requests.forwardAuthorization`), as the operator key never does.
 */
export const OPERATOR_SESSION_COOKIE = 'switchyard_session';

/**
 * A `Cookie` header value without Switchyard's own cookies (`OPERATOR_SESSION_COOKIE`), the other
 * pairs byte for byte; null when none is left. The value as is when it holds none (no allocation).
 */
export function withoutOperatorCookies(cookie: string): string | null {
  if (!cookie.includes(OPERATOR_SESSION_COOKIE)) return cookie;
  const kept = cookie.split(';').filter((pair) => {
    const eq = pair.indexOf('=');
    return (eq < 0 ? pair : pair.slice(0, eq)).trim() !== OPERATOR_SESSION_COOKIE;
  });
  const out = kept.join(';').trim();
  return out === '' ? null : out;
}

export interface RequestHeaderPolicy {
  /** `requests.forwardAuthorization` of the app: keep `Authorization` and cookies. */
  readonly forwardCredentials: boolean;
}

export const STRIP_CREDENTIALS: RequestHeaderPolicy = Object.freeze({ forwardCredentials: false });

const NONE: ReadonlySet<string> = new Set();

/** Lower-cased names listed in `Connection` values (`close` and `keep-alive` included). */
export function connectionListed(
  value: string | readonly string[] | null | undefined,
): ReadonlySet<string> {
  if (value === null || value === undefined) return NONE;
  const out = new Set<string>();
  for (const v of typeof value === 'string' ? [value] : value) {
    for (const name of v.split(',')) {
      const n = name.trim().toLowerCase();
      if (n !== '') out.add(n);
    }
  }
  return out;
}

/** Whether a (lower-case) response header must not reach the client. */
export function dropResponseHeader(name: string, listed: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || listed.has(name);
}

/** Prefix of the headers only Switchyard itself may set on an answer. */
export const SWITCHYARD_HEADER_PREFIX = 'x-switchyard-';

/**
 * Answer headers that act on the whole origin, which every tenant's app shares (the edge's host,
 * a proxy's host), and that no path can narrow, so a replica's are never passed on:
 * `Clear-Site-Data` makes the browser delete every cookie and all storage of the origin (another
 * tenant's users' sessions with them); `NEL` with `Report-To` makes it report requests to the
 * origin (their URLs, a `?sy_token=` included, status, referrer; every one at `success_fraction`
 * 1) to an endpoint the replica names, for as long as it says; `Alt-Svc` names where the origin
 * is served, which only the proxy's host may say (a replica's describes its own address);
 * `Accept-CH` and `Critical-CH` set which client hints the browser sends to the whole origin from
 * then on (one app could ask every other app's users for their device model, or clear what another
 * asked for); `Strict-Transport-Security` binds the host, and with `includeSubDomains` every host
 * under it, to HTTPS for as long as it says: the operator's call, never a tenant's.
 * (`Service-Worker-Allowed` can be narrowed: shared/http/replica-cookies.ts.)
 */
const ORIGIN_WIDE_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'clear-site-data',
  'nel',
  'report-to',
  'alt-svc',
  'accept-ch',
  'critical-ch',
  'strict-transport-security',
]);

/**
 * Whether a (lower-case) header of a replica's answer must not reach the client: the hop-by-hop
 * rule, every `x-switchyard-*` header (the proxy sets its own; a replica must not forge them) and
 * the headers that would act on every tenant's apps (`ORIGIN_WIDE_RESPONSE_HEADERS`).
 */
export function dropReplicaResponseHeader(name: string, listed: ReadonlySet<string>): boolean {
  return dropResponseHeader(name, listed) || name.startsWith(SWITCHYARD_HEADER_PREFIX) || ORIGIN_WIDE_RESPONSE_HEADERS.has(name);
}

/**
 * `Expect: 100-continue` is answered by the hop that receives it (workerd for the edge, Node for
 * the proxy), never passed on: fetch has no interim responses. Sent on by the edge, the proxy's
 * `100 Continue` came back as the answer's status and workerd's Response refused it (a 500 for
 * every curl upload over 1 MiB, which curl sends with the expectation); undici refuses the header.
 */
const ANSWERED_PER_HOP = 'expect';

/** Whether a (lower-case) client request header must not reach the next hop. `host` is the next hop's. */
export function dropRequestHeader(
  name: string,
  listed: ReadonlySet<string>,
  policy: RequestHeaderPolicy,
): boolean {
  if (
    HOP_BY_HOP.has(name) ||
    listed.has(name) ||
    name === 'host' ||
    name === ANSWERED_PER_HOP ||
    SWITCHYARD_CLIENT_HEADERS.has(name)
  )
    return true;
  return !policy.forwardCredentials && CREDENTIAL_HEADERS.has(name);
}

/**
 * The same rule for the edge's hop to the regional proxy: what the client asks of the proxy itself
 * (`PROXY_DIRECTED_HEADERS`) crosses it, unless the client's own `Connection` lists it as
 * hop-by-hop; everything else is as `dropRequestHeader`.
 */
export function dropRequestHeaderTowardProxy(
  name: string,
  listed: ReadonlySet<string>,
  policy: RequestHeaderPolicy,
): boolean {
  if (PROXY_DIRECTED_HEADERS.has(name)) return listed.has(name);
  return dropRequestHeader(name, listed, policy);
}

export interface ForwardedFacts {
  readonly clientIp: string;
  /** `http` or `https` as the client spoke to us. */
  readonly proto: string;
  /** Host (or :authority) the client asked for. */
  readonly host: string;
}

function quoteIp(ip: string): string {
  // RFC 7239: IPv6 addresses must be quoted and bracketed.
  return ip.includes(':') ? `"[${ip}]"` : ip;
}

/** The RFC 7239 element naming one client address (`for=1.2.3.4`, `for="[::1]"`). */
export function forwardedFor(ip: string): string {
  return `for=${quoteIp(ip)}`;
}

/** RFC 7230 quoted-string: a client's `Host: a";for=6.6.6.6` must not add a `for=` of its own. */
function quotedString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The forwarded headers to send, given the ones that arrived (first value of each, or undefined). */
export function forwardedHeaders(
  prior: { readonly xff: string | undefined; readonly forwarded: string | undefined },
  facts: ForwardedFacts,
): Record<'x-forwarded-for' | 'x-forwarded-proto' | 'x-forwarded-host' | 'forwarded', string> {
  const element = `for=${quoteIp(facts.clientIp)};proto=${facts.proto};host=${quotedString(facts.host)}`;
  return {
    'x-forwarded-for': prior.xff ? `${prior.xff}, ${facts.clientIp}` : facts.clientIp,
    'x-forwarded-proto': facts.proto,
    'x-forwarded-host': facts.host,
    forwarded: prior.forwarded ? `${prior.forwarded}, ${element}` : element,
  };
}
