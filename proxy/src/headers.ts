/**
 * The proxy's side of the shared header rules (`shared/http/header-rules.ts`) on Node header
 * objects: hop-by-hop removal (including names listed in Connection), credentials stripped
 * unless the app forwards them, the routing token kept from replicas, forwarded headers
 * appended, W3C trace context. No I/O; randomness for new trace ids is passed in.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import {
  STRIP_CREDENTIALS,
  connectionListed,
  dropReplicaResponseHeader,
  dropRequestHeader,
  dropResponseHeader,
  forwardedHeaders,
  withoutOperatorCookies,
  type RequestHeaderPolicy,
} from '../../shared/http/header-rules.ts';
import { scopeReplicaHeader } from '../../shared/http/replica-cookies.ts';

/** Answer headers a replica sets for its app's path, which the proxy moves below `/v4/<project>/<app>/`. */
const APP_SCOPED_RESPONSE_HEADERS = ['set-cookie', 'service-worker-allowed'] as const;

export type HeaderMap = Record<string, string | string[]>;

type AnyHeaders = IncomingHttpHeaders | OutgoingHttpHeaders;

/**
 * Parsed Connection values by their text: nearly every request and response says `keep-alive`
 * (or `close`), and parsing it built a Set per header block, twice per request. Bounded: a value
 * seen once is not worth keeping, and a client must not grow the map.
 */
const LISTED_CACHE_MAX = 64;
const listedCache = new Map<string, ReadonlySet<string>>();

function listedIn(headers: AnyHeaders): ReadonlySet<string> {
  const raw = headers['connection'];
  if (typeof raw !== 'string') return connectionListed(raw === undefined ? undefined : Array.isArray(raw) ? raw.map(String) : String(raw));
  let listed = listedCache.get(raw);
  if (listed === undefined) {
    listed = connectionListed(raw);
    if (listedCache.size < LISTED_CACHE_MAX) listedCache.set(raw, listed);
  }
  return listed;
}

function copyWithout(headers: AnyHeaders, drop: (name: string) => boolean): HeaderMap {
  const out: HeaderMap = {};
  // for-in over an own-keys-only header object: no entries array per call (hot path).
  for (const rawName in headers) {
    const value = headers[rawName];
    const name = rawName.toLowerCase();
    if (value === undefined || name.startsWith(':') || drop(name)) continue;
    out[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

/** Copy headers without hop-by-hop ones, Connection-listed ones and HTTP/2 pseudo-headers. */
export function stripHopByHop(headers: AnyHeaders): HeaderMap {
  const listed = listedIn(headers);
  return copyWithout(headers, (name) => dropResponseHeader(name, listed));
}

export interface ForwardFacts {
  readonly clientIp: string;
  /** `http` or `https` as the client spoke to us. */
  readonly proto: string;
  /** Host (or :authority) the client asked for. */
  readonly host: string;
  readonly traceId: () => string;
  readonly spanId: () => string;
  /** The app's `requests.forwardAuthorization`; absent: credentials are stripped. */
  readonly policy?: RequestHeaderPolicy;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The headers to send upstream for a client request. */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, facts: ForwardFacts): HeaderMap {
  const listed = listedIn(headers);
  const policy = facts.policy ?? STRIP_CREDENTIALS;
  const out = copyWithout(headers, (name) => dropRequestHeader(name, listed, policy));
  // Cookies pass only for an app that forwards credentials, and never the operator's own.
  const cookie = out['cookie'];
  if (cookie !== undefined) {
    const kept = withoutOperatorCookies(Array.isArray(cookie) ? cookie.join('; ') : cookie);
    if (kept === null) delete out['cookie'];
    else out['cookie'] = kept;
  }
  Object.assign(out, forwardedHeaders({ xff: first(out['x-forwarded-for']), forwarded: first(out['forwarded']) }, facts));
  const tp = first(out['traceparent']);
  if (tp === undefined || !TRACEPARENT.test(tp)) {
    out['traceparent'] = `00-${facts.traceId()}-${facts.spanId()}-01`;
    delete out['tracestate'];
  }
  return out;
}

/**
 * The headers to send the client for a response of a replica of `appId`: no hop-by-hop, no
 * `x-switchyard-*`, no origin-wide `Clear-Site-Data`, its cookies and service-worker scope kept
 * to the app's path (shared/http/replica-cookies.ts).
 */
export function downstreamResponseHeaders(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  appId: string,
): HeaderMap {
  const h = headers as IncomingHttpHeaders;
  const listed = listedIn(h);
  const out = copyWithout(h, (name) => dropReplicaResponseHeader(name, listed));
  for (const name of APP_SCOPED_RESPONSE_HEADERS) {
    const v = out[name];
    if (v === undefined) continue;
    const scoped = scopeReplicaHeader(name, v, appId);
    if (scoped.length === 0) delete out[name];
    else out[name] = name === 'set-cookie' ? scoped : scoped.join(', ');
  }
  return out;
}
