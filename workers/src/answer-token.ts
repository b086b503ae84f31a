/**
 * Token answer: JSON for SDKs and WebSocket clients, which then connect to `url` themselves with
 * the token in `x-switchyard-token` (or `?sy_token=`).
 */
import type { Decision } from '../../shared/decision/types.ts';

export interface TokenAnswer {
  readonly token: string;
  readonly url: string;
  /** Expiry, ms since the epoch. */
  readonly expiresAt: number;
  readonly decision: Decision;
}

export function tokenResponse(answer: TokenAnswer): Response {
  return new Response(JSON.stringify(answer), {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}
