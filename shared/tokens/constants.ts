/** Fixed parameters of the routing token format. */

/** The only accepted signature algorithm: Ed25519 keeps tokens small and verification cheap. */
export const TOKEN_ALG = 'EdDSA';

/** JWS `typ` header; refusing other types stops a different JWT signed by the same key being replayed as a route. */
export const TOKEN_TYP = 'switchyard-route+jwt';

export const DEFAULT_ISSUER = 'switchyard-edge';

/** Tolerated clock difference between edge and proxy. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/** Longer strings are refused before any parsing (cheap guard against garbage input). */
export const MAX_TOKEN_LENGTH = 8192;
