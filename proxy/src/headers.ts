/**
 * Pure header rewriting between client and cluster: hop-by-hop removal
 * (RFC 9110 §7.6.1, including names listed in Connection), forwarding headers
 * and W3C trace context. No I/O; randomness for new trace ids is passed in.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Headers that describe one connection, never the message (plus HTTP/2's own). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'http2-settings',
]);

/** Never forwarded upstream: the token is for us, and the host is the replica's. */
const PROXY_ONLY = new Set(['x-switchyard-token', 'host']);

export type HeaderMap = Record<string, string | string[]>;

const NONE: ReadonlySet<string> = new Set();

function connectionListed(headers: IncomingHttpHeaders | OutgoingHttpHeaders): ReadonlySet<string> {
  const raw = headers['connection'];
  if (raw === undefined) return NONE; // the common case: no per-request Set
  const values = Array.isArray(raw) ? raw : [String(raw)];
  const out = new Set<string>();
  for (const v of values)
    for (const name of v.split(',')) if (name.trim() !== '') out.add(name.trim().toLowerCase());
  return out;
}

/** Copy headers without hop-by-hop ones, Connection-listed ones, HTTP/2 pseudo-headers and `extra`. */
export function stripHopByHop(
  headers: IncomingHttpHeaders | OutgoingHttpHeaders,
  extra: ReadonlySet<string> = NONE,
): HeaderMap {
  const listed = connectionListed(headers);
  const out: HeaderMap = {};
  // for-in over an own-keys-only header object: no entries array per call (hot path).
  for (const rawName in headers) {
    const value = headers[rawName];
    const name = rawName.toLowerCase();
    if (value === undefined || name.startsWith(':')) continue;
    if (HOP_BY_HOP.has(name) || listed.has(name) || extra.has(name)) continue;
    out[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

export interface ForwardFacts {
  readonly clientIp: string;
  /** `http` or `https` as the client spoke to us. */
  readonly proto: string;
  /** Host (or :authority) the client asked for. */
  readonly host: string;
  readonly traceId: () => string;
  readonly spanId: () => string;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function quoteIp(ip: string): string {
  // RFC 7239: IPv6 addresses must be quoted and bracketed.
  return ip.includes(':') ? `"[${ip}]"` : ip;
}

/** The headers to send upstream for a client request. */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  facts: ForwardFacts,
): HeaderMap {
  const out = stripHopByHop(headers, PROXY_ONLY);
  const xff = first(out['x-forwarded-for']);
  out['x-forwarded-for'] = xff ? `${xff}, ${facts.clientIp}` : facts.clientIp;
  out['x-forwarded-proto'] = facts.proto;
  out['x-forwarded-host'] = facts.host;
  const fwd = `for=${quoteIp(facts.clientIp)};proto=${facts.proto};host="${facts.host}"`;
  const prior = first(out['forwarded']);
  out['forwarded'] = prior ? `${prior}, ${fwd}` : fwd;
  const tp = first(out['traceparent']);
  if (tp === undefined || !TRACEPARENT.test(tp)) {
    out['traceparent'] = `00-${facts.traceId()}-${facts.spanId()}-01`;
    delete out['tracestate'];
  }
  return out;
}

/** The headers to send the client for an upstream response. */
export function downstreamResponseHeaders(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): HeaderMap {
  return stripHopByHop(headers as IncomingHttpHeaders);
}
