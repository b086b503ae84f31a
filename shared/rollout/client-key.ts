/**
 * A stable identity for requests that carry no session key (no job key, no affinity header), so
 * a keyless client stays on one rollout version and in (or out of) a policy canary instead of
 * flipping per request. Pure: picks the identity's material; the edge hashes it with a secret
 * salt (HMAC-free SHA-256 over salt + material, workers/src/client-key.ts) so neither the raw IP
 * nor a brute-forceable unsalted hash of it is ever logged or recorded.
 *
 * Order: the client's own session (`x-switchyard-session` header, else the `sy_session` cookie),
 * else client IP + user agent (both needed: a user agent alone is shared by too many clients,
 * an IP alone by a whole NAT). None of these: null (the request keeps its per-request draw).
 */

export const SESSION_HEADER = 'x-switchyard-session';
export const SESSION_COOKIE = 'sy_session';
/** Longer session values are cut (they only need to be distinct, not whole). */
const MAX_PART = 256;

export interface ClientHints {
  readonly sessionHeader: string | null;
  readonly cookie: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface ClientKeyMaterial {
  readonly source: 'session-header' | 'session-cookie' | 'ip-user-agent';
  /** What the edge hashes (with the app id and a secret salt); never logged. */
  readonly material: string;
}

/** The `sy_session` value of a Cookie header, or null. */
export function sessionCookie(cookie: string | null): string | null {
  if (cookie === null) return null;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const v = part.slice(eq + 1).trim();
    return v === '' ? null : v;
  }
  return null;
}

const clean = (v: string | null): string | null => {
  const t = v?.trim() ?? '';
  return t === '' ? null : t.slice(0, MAX_PART);
};

/** The material of the request's client identity for app `appId`, or null for none. */
export function clientKeyMaterial(appId: string, h: ClientHints): ClientKeyMaterial | null {
  const header = clean(h.sessionHeader);
  if (header !== null) return { source: 'session-header', material: `${appId}\u0000s\u0000${header}` };
  const cookie = clean(sessionCookie(h.cookie));
  if (cookie !== null) return { source: 'session-cookie', material: `${appId}\u0000s\u0000${cookie}` };
  const ip = clean(h.ip);
  const ua = clean(h.userAgent);
  if (ip !== null && ua !== null) return { source: 'ip-user-agent', material: `${appId}\u0000i\u0000${ip}\u0000${ua}` };
  return null;
}
