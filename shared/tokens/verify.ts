/**
 * Token verification for the regional proxy. Never throws: every failure becomes a TokenError
 * value with a stable code, a status and a message telling the client what to do.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type ProtectedHeaderParameters } from 'jose';
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_ISSUER, MAX_TOKEN_LENGTH, TOKEN_ALG, TOKEN_TYP } from './constants.ts';
import { tokenError } from './errors.ts';
import { fnAllowed } from './fn-allowed.ts';
import type { VerificationKeySet } from './keys.ts';
import { parseClaims } from './parse-claims.ts';
import type { RoutingClaims, VerifyResult } from './types.ts';

export interface VerifyOptions {
  /** Current time, ms since the epoch. */
  readonly now: number;
  /** This proxy's id: tokens minted for another proxy are refused. */
  readonly audience: string;
  /** The edge deployment whose tokens are accepted (`iss`); default "switchyard-edge". */
  readonly issuer?: string;
  /** When given, the token must be for this app (`project/app`). */
  readonly app?: string;
  /** When given, the token's `fn` must cover this function path (see fn-allowed.ts). */
  readonly fn?: string;
  readonly clockSkewSeconds?: number;
}

const RENEW = 'request a new routing token from the edge';
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const fail = (...args: Parameters<typeof tokenError>): VerifyResult => ({
  ok: false,
  error: tokenError(...args),
});

function readHeader(token: string): ProtectedHeaderParameters | null {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return null;
  }
}

/** Map what jose throws (signature and time checks) to our codes. */
function fromJose(err: unknown, kid: string): VerifyResult {
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return fail(
      'bad-signature',
      `routing token signature does not verify with key ${kid}: ${RENEW}`,
    );
  }
  if (err instanceof errors.JWTExpired)
    return fail('expired', `routing token has expired: ${RENEW}`);
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf') {
    return fail(
      'not-yet-valid',
      'routing token is not valid yet: check the clocks of edge and proxy, then retry',
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return fail('malformed', `routing token is not valid (${detail}): ${RENEW}`);
}

/**
 * The checks of a token's claims that depend on the request and the clock (time, issuer, audience,
 * app, function), for claims whose signature has been verified: run on every verification, and on
 * every use of a token the proxy verified before (proxy/src/verified-tokens.ts), so a remembered
 * token is held to exactly the same rules. Null: accepted.
 */
export function checkVerifiedClaims(claims: RoutingClaims, options: VerifyOptions): VerifyResult | null {
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  // jose's own rule, repeated for claims checked again later (exp <= now - tolerance).
  if (claims.exp <= Math.floor(options.now / 1000) - skew) return fail('expired', `routing token has expired: ${RENEW}`);
  if (claims.iat > Math.floor(options.now / 1000) + skew) {
    return fail(
      'not-yet-valid',
      'routing token was issued in the future: check the clocks of edge and proxy, then retry',
    );
  }
  // Always checked: a key shared by two deployments must not let one's tokens open the other.
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  if (claims.iss !== issuer) {
    return fail(
      'wrong-issuer',
      `routing token was issued by ${JSON.stringify(claims.iss)}, this proxy trusts ${JSON.stringify(issuer)}: ${RENEW}`,
    );
  }
  if (claims.aud !== options.audience) {
    return fail(
      'wrong-audience',
      `routing token is for proxy ${claims.aud}, this is ${options.audience}: send it to ${claims.aud} or ${RENEW}`,
    );
  }
  if (options.app !== undefined && claims.app !== options.app) {
    return fail(
      'wrong-app',
      `routing token is for app ${claims.app}, not ${options.app}: ${RENEW} for this app`,
    );
  }
  if (options.fn !== undefined && !fnAllowed(claims.fn, options.fn)) {
    return fail(
      'wrong-app',
      `routing token allows function ${claims.fn}, not ${options.fn}: ${RENEW} for this function`,
    );
  }
  return null;
}

/** Verify a routing token against this proxy's public keys. */
export async function verifyRoutingToken(
  token: unknown,
  keys: VerificationKeySet,
  options: VerifyOptions,
): Promise<VerifyResult> {
  try {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
      return fail(
        'malformed',
        `routing token must be a compact JWS (header.payload.signature): ${RENEW}`,
      );
    }
    const header = readHeader(token);
    if (header === null)
      return fail('malformed', `routing token header is not valid JSON: ${RENEW}`);
    // Checked before any key is touched: refuses alg "none" and HS256-with-the-public-key confusion.
    if (header.alg !== TOKEN_ALG) {
      return fail(
        'bad-signature',
        `routing token must be signed with ${TOKEN_ALG}, not ${JSON.stringify(header.alg)}: ${RENEW}`,
      );
    }
    if (header.typ !== TOKEN_TYP)
      return fail('malformed', `routing token "typ" must be ${TOKEN_TYP}: ${RENEW}`);
    const kid = header.kid;
    const key = typeof kid === 'string' ? keys.keys.get(kid) : undefined;
    if (kid === undefined || key === undefined) {
      return fail(
        'unknown-key',
        `routing token key ${JSON.stringify(kid ?? null)} is not trusted by this proxy (rotated out?): ${RENEW}`,
      );
    }
    // The claims are checked on the unverified payload first: a token refused anyway (expired,
    // another proxy's or app's) then costs no Ed25519 check, so a stale or misrouted client costs
    // the proxy nothing and only forgeries pay for the signature check (bounded per client by the
    // proxy). A forged token with such claims is refused for them, which tells it nothing.
    const early = unverifiedClaims(token, options);
    if (early !== null && 'ok' in early) return early;
    const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [TOKEN_ALG],
        typ: TOKEN_TYP,
        currentDate: new Date(options.now),
        clockTolerance: skew,
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (err) {
      return fromJose(err, kid);
    }
    // The verified payload is the one checked above: its claims passed already.
    if (early !== null) return { ok: true, claims: early, kid };
    const claims = parseClaims(payload);
    if (typeof claims === 'string')
      return fail('malformed', `routing token claims are invalid: ${claims}: ${RENEW}`);
    const refused = checkVerifiedClaims(claims, options);
    if (refused !== null) return refused;
    return { ok: true, claims, kid };
  } catch (err) {
    // Last line: whatever else goes wrong, the proxy gets a refusal value, not an exception.
    return fail(
      'malformed',
      `routing token could not be verified (${err instanceof Error ? err.message : String(err)}): ${RENEW}`,
    );
  }
}

/**
 * `checkVerifiedClaims` on the payload before its signature is checked: the refusal, or the claims
 * that passed (the signature check then needs only to confirm them); null when the payload does not
 * parse (the full check then says why).
 */
function unverifiedClaims(token: string, options: VerifyOptions): VerifyResult | RoutingClaims | null {
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch {
    return null;
  }
  const claims = parseClaims(payload);
  if (typeof claims === 'string') return null;
  return checkVerifiedClaims(claims, options) ?? claims;
}
