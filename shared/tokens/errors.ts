/** Constructors for the token error values the proxy returns to clients, and the key error. */
import type { TokenError, TokenErrorCode } from './types.ts';

const STATUS: Readonly<Record<TokenErrorCode, 401 | 403>> = {
  malformed: 401,
  'bad-signature': 401,
  'unknown-key': 401,
  expired: 401,
  'not-yet-valid': 401,
  // Not from the edge deployment this proxy trusts.
  'wrong-issuer': 401,
  // The token is genuine but for something else: retrying with it cannot help.
  'wrong-audience': 403,
  'wrong-app': 403,
};

/** A refusal value with the status fixed by its code. */
export function tokenError(code: TokenErrorCode, message: string): TokenError {
  return { code, status: STATUS[code], message };
}

/** Bad key material (config error at startup), thrown by the import functions. */
export class TokenKeyError extends Error {
  readonly code = 'invalid-key' as const;

  constructor(message: string) {
    super(message);
    this.name = 'TokenKeyError';
  }
}
