/**
 * When the edge may send a request to the next cluster (issue 11 #4, issue 12 #2). Pure rules.
 *
 * Re-sending a request that a proxy may already be running would run it twice (two generations
 * billed, two jobs started). So a failed attempt is tried elsewhere only when
 *   * the method is idempotent (RFC 9110 §9.2.2), or
 *   * the proxy says the request never reached a replica: `x-switchyard-refused: not-started`.
 * Any other value of `x-switchyard-refused` (e.g. the older `1`) means "refused, but it may have
 * started" — the proxy side of this contract is described in proxy/README.md.
 *
 * Refusals that may be tried elsewhere: a network error (idempotent methods only: the edge cannot
 * tell a refused connection from one cut after the proxy started), 429 and 503 from a proxy
 * (overloaded, draining, circuit open), and 502 marked `x-switchyard-refused`.
 */
export const REFUSED_HEADER = 'x-switchyard-refused';
export const NOT_STARTED = 'not-started';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/** The proxy promises that no replica saw any of the request. */
export function notStarted(r: Response): boolean {
  return r.headers.get(REFUSED_HEADER)?.trim().toLowerCase() === NOT_STARTED;
}

/** A response that says "not here, try elsewhere" (whether or not that is allowed). */
export function isRefusal(r: Response): boolean {
  if (r.status < 400) return false;
  if (notStarted(r)) return true;
  if (r.status === 429 || r.status === 503) return true;
  return r.status === 502 && r.headers.get(REFUSED_HEADER) !== null;
}

/** May a request with `method` that got `r` (null: network error) go to the next cluster? */
export function mayTryNext(method: string, r: Response | null): boolean {
  if (r === null) return isIdempotent(method);
  if (!isRefusal(r)) return false;
  return notStarted(r) || isIdempotent(method);
}
