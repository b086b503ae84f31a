/**
 * The operator gate: the dashboard shows fleet internals (prices, explanations), so every page
 * and API answer needs the operator key — the same concept as the edge's `EDGE_OPERATOR_KEY`
 * (`switchyard dev` prints it). A client sends the key in `x-switchyard-operator-key` or
 * `Authorization: Bearer`, or signs in once through the form, which sets an HttpOnly
 * SameSite=Strict cookie holding a random session id (never the key). The key is never put in a
 * URL or a log line.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { OPERATOR_KEY_HEADER } from '../../shared/http/operator-key-refusal.ts';
import { OPERATOR_SESSION_COOKIE } from '../../shared/http/header-rules.ts';

export { OPERATOR_KEY_HEADER };
// Named in shared/: the edge and the proxy never forward it to an app.
export const SESSION_COOKIE = OPERATOR_SESSION_COOKIE;
export const SESSION_TTL_MS = 12 * 3_600_000;
/** Sessions kept at once; the oldest is dropped beyond this (a flood of logins cannot grow memory). */
export const MAX_SESSIONS = 1_000;

/** Compares digests, so the time taken reveals neither the length nor how much of the key matched. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The key a request carries in a header, or null. */
export function keyFromHeaders(headers: IncomingHttpHeaders): string | null {
  const direct = headers[OPERATOR_KEY_HEADER];
  if (typeof direct === 'string' && direct !== '') return direct;
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1] !== undefined) return m[1];
  }
  return null;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

export function sessionCookie(id: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}${secure ? '; Secure' : ''}`;
}

export const CLEAR_SESSION_COOKIE = `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;

/** Random session ids in memory: a restart signs everyone out, which is fine for a read-only view. */
export class Sessions {
  readonly #expires = new Map<string, number>();

  create(now: number): string {
    const id = randomBytes(32).toString('base64url');
    if (this.#expires.size >= MAX_SESSIONS) {
      const oldest = this.#expires.keys().next();
      if (oldest.done !== true) this.#expires.delete(oldest.value);
    }
    this.#expires.set(id, now + SESSION_TTL_MS);
    return id;
  }

  valid(id: string | undefined, now: number): boolean {
    if (id === undefined) return false;
    const exp = this.#expires.get(id);
    if (exp === undefined) return false;
    if (exp <= now) {
      this.#expires.delete(id);
      return false;
    }
    return true;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.#expires.delete(id);
  }

  get size(): number {
    return this.#expires.size;
  }
}

export type AuthResult = 'ok' | 'missing' | 'wrong';

/** Whether a request may see the dashboard: a valid session cookie or the key in a header. */
export function authorize(headers: IncomingHttpHeaders, operatorKey: string, sessions: Sessions, now: number): AuthResult {
  if (sessions.valid(parseCookies(headers.cookie).get(SESSION_COOKIE), now)) return 'ok';
  const given = keyFromHeaders(headers);
  if (given === null) return 'missing';
  return sameSecret(given, operatorKey) ? 'ok' : 'wrong';
}
