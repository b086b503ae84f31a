/** Headers every decided response carries, so clients and operators can find the decision. */
export function decorate(res: Response, decisionId: string, decisionMs: number, stale: boolean): Response {
  res.headers.set('x-switchyard-decision-id', decisionId);
  res.headers.append('server-timing', `decision;dur=${decisionMs.toFixed(3)}`);
  if (stale) res.headers.set('x-switchyard-stale', '1');
  return res;
}

/** JSON response helper for edge-generated bodies. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}
