import { SignJWT } from 'jose';
import { DEFAULT_ISSUER, TOKEN_ALG, TOKEN_TYP } from './constants.ts';
import type { SigningKey } from './keys.ts';
import { parseClaims } from './parse-claims.ts';
import type { RoutingClaims } from './types.ts';

export interface SignOptions {
  /** Current time, ms since the epoch (passed in: no clock reads here). */
  readonly now: number;
  readonly ttlSeconds: number;
  readonly issuer?: string;
}

/**
 * Mint a routing token: compact JWS, header `{alg: EdDSA, kid, typ: switchyard-route+jwt}`,
 * `jti` = decision id. Throws TypeError on claims the verifier would refuse (a bug in the caller).
 */
export async function signRoutingToken(
  claims: Omit<RoutingClaims, 'iat' | 'exp' | 'iss'>,
  key: SigningKey,
  options: SignOptions,
): Promise<string> {
  if (!Number.isFinite(options.now))
    throw new TypeError('signRoutingToken: now must be ms since the epoch');
  if (!Number.isSafeInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
    throw new TypeError(
      `signRoutingToken: ttlSeconds must be a positive integer, got ${options.ttlSeconds}`,
    );
  }
  const iat = Math.floor(options.now / 1000);
  const full = {
    ...claims,
    iss: options.issuer ?? DEFAULT_ISSUER,
    iat,
    exp: iat + options.ttlSeconds,
  };
  const parsed = parseClaims(full);
  if (typeof parsed === 'string') throw new TypeError(`signRoutingToken: ${parsed}`);
  return new SignJWT({ ...parsed, fallbacks: [...parsed.fallbacks], jti: parsed.did })
    .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid, typ: TOKEN_TYP })
    .sign(key.key);
}
