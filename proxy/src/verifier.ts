/**
 * Builds the gate's verify function from a JWKS document with shared/tokens
 * (the same code the Worker's tests exercise): audience = proxy id, app and fn
 * must match, expiry with the shared clock skew. Never throws for a bad token.
 * A token verified once is remembered until it expires (verified-tokens.ts).
 */
import { DEFAULT_ISSUER, importVerificationKeys, verifyRoutingToken } from '../../shared/tokens/index.ts';
import type { VerifyFn } from './token-gate.ts';
import { rememberVerified } from './verified-tokens.ts';

/** `issuer`: the edge's EDGE_TOKEN_ISSUER; tokens with another `iss` are refused. */
export async function jwksVerifier(jwksText: string, issuer: string = DEFAULT_ISSUER): Promise<VerifyFn> {
  const keys = await importVerificationKeys(JSON.parse(jwksText) as { keys: unknown[] });
  return rememberVerified((token, opts) => verifyRoutingToken(token, keys, { ...opts, issuer }), issuer);
}
