/**
 * Builds the gate's verify function from a JWKS document. Adapter: until
 * shared/tokens' `importVerificationKeys` / `verifyRoutingToken` land, this
 * verifies the contract in shared/tokens/types.ts directly with jose (EdDSA,
 * `kid` selects the key, audience = proxy id, app/fn must match). Never throws
 * for a bad token: it returns a VerifyResult with a stable code.
 */
import { decodeProtectedHeader, importJWK, jwtVerify, errors as joseErrors, type JWK, type CryptoKey } from 'jose';
import type { RoutingClaims, TokenError, VerifyResult } from '../../shared/tokens/types.ts';
import type { VerifyFn } from './token-gate.ts';

function fail(code: TokenError['code'], status: 401 | 403, message: string): VerifyResult {
  return { ok: false, error: { code, status, message } };
}

/** Allowed clock skew between edge and proxy. */
const SKEW_S = 5;

export async function jwksVerifier(jwksText: string): Promise<VerifyFn> {
  const doc = JSON.parse(jwksText) as { keys?: JWK[] };
  const keys = new Map<string, CryptoKey | Uint8Array>();
  for (const jwk of doc.keys ?? []) {
    if (typeof jwk.kid !== 'string') throw new Error('every JWKS key needs a kid');
    keys.set(jwk.kid, await importJWK(jwk, 'EdDSA'));
  }
  if (keys.size === 0) throw new Error('the JWKS has no keys');
  return async (token, { now, audience, app, fn }) => {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return fail('malformed', 401, 'the routing token is not a compact JWS');
    }
    const key = kid === undefined ? undefined : keys.get(kid);
    if (key === undefined) return fail('unknown-key', 401, `the routing token was signed with an unknown key (${kid ?? 'no kid'}); the proxy may need the new JWKS`);
    let claims: RoutingClaims;
    try {
      const r = await jwtVerify(token, key, { algorithms: ['EdDSA'], currentDate: new Date(now), clockTolerance: SKEW_S });
      claims = r.payload as unknown as RoutingClaims;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return fail('expired', 401, 'the routing token has expired; ask the edge for a new one');
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) return fail('bad-signature', 401, 'the routing token signature does not verify');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') return fail('not-yet-valid', 401, 'the routing token is not valid yet');
      return fail('malformed', 401, `the routing token is malformed (${err instanceof Error ? err.message : String(err)})`);
    }
    if (claims.aud !== audience) return fail('wrong-audience', 403, `the routing token is for proxy ${String(claims.aud)}, not ${audience}`);
    if (claims.app !== app) return fail('wrong-app', 403, `the routing token is for app ${String(claims.app)}, not ${app}`);
    if (claims.fn !== '*' && claims.fn !== fn) return fail('wrong-app', 403, `the routing token is for function ${String(claims.fn)}, not ${fn}`);
    if (typeof claims.cluster !== 'string' || !Array.isArray(claims.fallbacks) || typeof claims.did !== 'string') {
      return fail('malformed', 401, 'the routing token lacks cluster, fallbacks or did');
    }
    return { ok: true, claims, kid: kid ?? '' };
  };
}
