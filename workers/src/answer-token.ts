/**
 * Token answer: JSON for SDKs and WebSocket clients, which then connect to `url` themselves with
 * the token in `x-switchyard-token` (or `?sy_token=`). Only `{token, url, expiresAt, decisionId}`:
 * the decision's candidates, prices and seed are for operators (`/explain`), not clients.
 */
export interface TokenAnswer {
  readonly token: string;
  readonly url: string;
  /** Expiry, ms since the epoch. */
  readonly expiresAt: number;
  /** The decision's id: operators explain it; nothing else about the fleet goes to clients. */
  readonly decisionId: string;
}

export function tokenResponse(answer: TokenAnswer): Response {
  const body: TokenAnswer = { token: answer.token, url: answer.url, expiresAt: answer.expiresAt, decisionId: answer.decisionId };
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}
