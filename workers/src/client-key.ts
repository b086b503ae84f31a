/**
 * The edge half of keyless stickiness (shared/rollout/client-key.ts): the client's identity
 * material (session header/cookie, else the attested client address + user agent) hashed with the
 * deployment's secret salt. The result is what decisions record (`clientKey`); the raw IP never
 * leaves this function, and without the salt the hash cannot be reversed by trying every IP.
 */
import { SESSION_HEADER, clientKeyMaterial } from '../../shared/rollout/client-key.ts';
import { sha256Hex } from './shared-deps.ts';

/** `c:` + 32 hex characters, or null when the request carries no identity (or no salt is configured). */
export async function clientKeyOf(headers: Headers, appId: string, salt: string | undefined, ip: string | null): Promise<string | null> {
  if (salt === undefined) return null;
  const m = clientKeyMaterial(appId, {
    sessionHeader: headers.get(SESSION_HEADER),
    cookie: headers.get('cookie'),
    ip,
    userAgent: headers.get('user-agent'),
  });
  if (m === null) return null;
  return `c:${(await sha256Hex(`${salt}\u0000${m.material}`)).slice(0, 32)}`;
}
