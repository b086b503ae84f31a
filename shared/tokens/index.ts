/** Routing tokens: Ed25519 JWS minted by the edge, verified by regional proxies (Node and workerd). */
export { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_ISSUER, TOKEN_ALG, TOKEN_TYP } from './constants.ts';
export { tokenError, TokenKeyError } from './errors.ts';
export { fnAllowed } from './fn-allowed.ts';
export {
  generateKeyPair,
  importSigningKey,
  importVerificationKeys,
  type KeyPairJwks,
  type SigningKey,
  type VerificationKeySet,
} from './keys.ts';
export { signRoutingToken, type SignOptions } from './sign.ts';
export { checkVerifiedClaims, verifyRoutingToken, type VerifyOptions } from './verify.ts';
export type { RoutingClaims, TokenError, TokenErrorCode, VerifyResult } from './types.ts';
