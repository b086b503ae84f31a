/**
 * The one rule for a key's id: a routing-token signing key's `kid` (shared/tokens/keys.ts) and a
 * service key's id (`switchyard service-keys create --id`). Ids are printed one per line and sit
 * in JWKS files and headers, so no whitespace or line breaks. Pure: no I/O.
 */

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The rule in words, for error messages. */
export const KEY_ID_RULE = '1-64 characters of A-Z a-z 0-9 . _ -';

export function isWellFormedKeyId(value: unknown): value is string {
  return typeof value === 'string' && KEY_ID.test(value);
}
