/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/): one parser and one
 * formatter shared by the edge, the routing token and the proxy, so all three agree on what a
 * valid parent is. Pure; ids are lowercase hex.
 */

export interface TraceContext {
  /** 32 lowercase hex characters, not all zero. */
  readonly traceId: string;
  /** The parent's span id: 16 lowercase hex characters, not all zero. */
  readonly spanId: string;
  /** The `sampled` trace flag: the caller recorded this trace. */
  readonly sampled: boolean;
}

const V00 = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;
// A later version may append fields after the four we know (spec §3.2.4): read the prefix.
const LATER = /^([\da-e][\da-f]|f[\da-e])-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The parent context in a `traceparent` value, or null when absent or invalid (then: a new trace). */
export function parseTraceparent(value: string | null | undefined): TraceContext | null {
  if (typeof value !== 'string' || value.length > 512) return null;
  const v = value.trim();
  const m = V00.exec(v) ?? (v.startsWith('00-') ? null : LATER.exec(v));
  if (m === null) return null;
  const [traceId, spanId, flags] = m[0].startsWith('00-') ? [m[1], m[2], m[3]] : [m[2], m[3], m[4]];
  if (traceId === undefined || spanId === undefined || flags === undefined) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** The `traceparent` value (version 00) naming `ctx.spanId` as the parent of the next hop. */
export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled ? '01' : '00'}`;
}

/** True for a well-formed non-zero id of `hexChars` lowercase hex characters. */
export function validId(id: string, hexChars: 16 | 32): boolean {
  return id.length === hexChars && /^[\da-f]+$/.test(id) && !/^0+$/.test(id);
}

/**
 * The parent a proxy continues: the routing token's trace context (the edge's, signed) wins
 * outright. The edge sends the same value in `traceparent` when it forwards, so the header adds
 * nothing then; in token mode the header is the client's, and a client must not be able to flip
 * the edge's sampling decision (hide its request from a sampled trace, or force recording) or
 * re-parent the proxy's spans by sending a header of the token's trace id (it can read `tp` from
 * the token). Without a token context the header is the parent; null starts a root.
 */
export function chooseParent(header: TraceContext | null, token: TraceContext | null): TraceContext | null {
  return token ?? header;
}
