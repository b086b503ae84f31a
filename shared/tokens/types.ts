/**
 * Routing token claims. A token is a compact JWS (EdDSA / Ed25519) minted by the
 * edge after a decision and honoured only by the regional proxy named in `aud`.
 */
export interface RoutingClaims {
  /** Issuer: the edge deployment ("switchyard-edge"). */
  readonly iss: string;
  /** Audience: the regional proxy id that must honour the token. */
  readonly aud: string;
  /** App id `project/app`. */
  readonly app: string;
  /** Function path below the app (e.g. `v1/chat/completions`); `*` allows any. */
  readonly fn: string;
  /** Chosen cluster id. */
  readonly cluster: string;
  /** Ranked fallback cluster ids (best first). */
  readonly fallbacks: readonly string[];
  /** Decision id (also the JWT `jti`). */
  readonly did: string;
  /** Issued-at and expiry, seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
  /**
   * Optional W3C `traceparent` of the edge's span for this decision, so the proxy continues the
   * edge's trace even when the client (token mode) connects to it directly. Absent in tokens of
   * edges without tracing; an older proxy ignores it.
   */
  readonly tp?: string;
  /**
   * Optional: the app route the edge matched (shared/routes), so the proxy enforces the route's
   * own limits. Absent when the app has no routes or none matched; an older proxy ignores it.
   */
  readonly rt?: string;
}

export type TokenErrorCode =
  | 'malformed'
  | 'bad-signature'
  | 'unknown-key'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'wrong-app';

/** A refusal with a stable code, an HTTP status and a message a client can act on. */
export interface TokenError {
  readonly code: TokenErrorCode;
  readonly status: 401 | 403;
  readonly message: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly claims: RoutingClaims; readonly kid: string }
  | { readonly ok: false; readonly error: TokenError };
