/**
 * Our own bound on one libSQL call of a background loop (pin refresh, pin writes, outcome and
 * proxy-row writes). These loops never overlap their calls, so one request that never returns (a
 * hung server, a half-open connection) would stall every later one until undici's own timeouts,
 * minutes later. On expiry the caller moves on as if the call had failed; the transport aborts
 * the HTTP request itself (store-client.ts), and a late answer is ignored. The call may still
 * commit after that, and the caller retries it: every write bounded here is idempotent (pins and
 * proxy rows are upserts, outcomes are never inserted twice: outcome-statement.ts).
 */

/**
 * Longest a background store call may take: a healthy libSQL answers these small statements in
 * milliseconds, and the pin refresh runs every 2 s. Not configurable: no deployment needs a
 * different bound, and the transport's own timeout (STORE_REQUEST_TIMEOUT_MS) is longer.
 */
export const STORE_CALL_DEADLINE_MS = 5_000;

/** A store call passed its deadline: the message names the call, never the store's URL or token. */
export class StoreDeadlineError extends Error {
  override readonly name = 'StoreDeadlineError';
  constructor(
    readonly call: string,
    readonly ms: number,
  ) {
    super(`libSQL ${call}: no answer within ${ms} ms`);
  }
}

/** `work`, or a StoreDeadlineError once `ms` passed without its answer. */
export function withDeadline<T>(work: Promise<T>, ms: number, call: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreDeadlineError(call, ms)), ms);
  });
  work.catch(() => undefined); // an abandoned call failing later is not an unhandled rejection
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
