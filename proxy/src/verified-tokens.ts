/**
 * Tokens this proxy has verified, remembered by their exact text until they expire, so a client
 * that sends the same routing token again (token mode: an SDK with the token in its default
 * headers) skips the Ed25519 check, ~150-200 us on the libuv pool and a wake-up of the event loop
 * before its upstream request. Security does not weaken:
 *   * only a token whose signature verified is remembered, keyed by its whole compact JWS (header,
 *     claims and signature), so a token differing in any byte is a miss and is verified afresh;
 *   * every use runs the same claim checks as a first verification (`checkVerifiedClaims`: expiry,
 *     issuer, audience, app, function), against this request and the clock now, so an expired
 *     token or one for another app or function is refused exactly as before;
 *   * the memory belongs to one verifier, which holds one key set: new keys, new verifier, empty.
 * Bounded: at most `max` tokens, shared max-min fairly between projects (the tenant, whatever its
 * number of apps): when full, the project holding the most loses its least recently used. A
 * tenant in token mode can hold any number of valid tokens (each edge answer is a fresh one); with
 * one list of the most recent, its flood pushed every other tenant's token out, and each of their
 * requests paid the signature check again.
 */
import { Lru } from '../../shared/caching/lru.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { checkVerifiedClaims } from '../../shared/tokens/index.ts';
import type { VerifyResult } from '../../shared/tokens/types.ts';
import type { GateVerifyResult, VerifyFn } from './token-gate.ts';

type Verified = Extract<VerifyResult, { ok: true }>;

/** ~1 KB per token: a few MB at most. A token is reused soon or not at all (forward mode: never). */
export const VERIFIED_TOKENS_MAX = 4096;

/** `verify`: the full check (signature and claims) for the `issuer` this proxy trusts. */
export function rememberVerified(verify: VerifyFn, issuer: string, max = VERIFIED_TOKENS_MAX): VerifyFn {
  const known = new Lru<string, Verified>(max, (_token, v) => projectOfAppId(v.claims.app));
  // Not async: a token seen before is answered without a promise (token-gate.ts passes it on).
  return (token, opts) => {
    const hit = known.peek(token);
    if (hit !== undefined) {
      const refused = checkVerifiedClaims(hit.claims, { ...opts, issuer });
      if (refused === null) {
        known.get(token); // now the most recently used
        return hit;
      }
      if (refused.ok === false && refused.error.code === 'expired') known.delete(token);
      return refused;
    }
    const r = verify(token, opts);
    return r instanceof Promise ? r.then((v) => remember(known, token, v)) : remember(known, token, r);
  };
}

function remember(known: Lru<string, Verified>, token: string, r: GateVerifyResult): GateVerifyResult {
  if (r.ok) known.set(token, r);
  return r;
}
