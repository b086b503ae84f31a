/**
 * One proxy process's in-flight budget shared fairly between apps (issue 10 P1, tenant
 * isolation): the pure rules behind proxy/src/in-flight-budget.ts. Every held request costs the
 * process ~2 open files (client and upstream sockets), so an app without limits that holds
 * thousands of streams would otherwise exhaust the open-file limit and make accept() and
 * upstream connects fail with EMFILE for every tenant.
 *
 * Below the high-water mark everyone is admitted. Above it, an app is admitted only while it
 * holds less than an equal share of the budget among the apps holding work (counting itself, and
 * never fewer than two, so a lone flood cannot take the headroom kept for the next app): the
 * max-min share when every app wants more. At the budget everyone is refused.
 */

export interface InFlightLimits {
  /** Requests this process may hold at once. */
  readonly budget: number;
  /** Below this total, every app is admitted. */
  readonly highWater: number;
}

export type ShareVerdict = 'admit' | 'over-share' | 'full';

/**
 * Headroom above the high-water mark: a tenth of the budget, at most 256. A few hundred slots is
 * room enough for other apps to get in (and their share grows as the flood's requests end),
 * while a lone app may still hold ~97 % of a large budget (bench/proxy-stream-hold.ts: 9,500
 * streams of one app under a 20,000 open-file limit).
 */
export const MAX_HEADROOM = 256;

export function inFlightLimits(budget: number): InFlightLimits {
  const headroom = Math.min(MAX_HEADROOM, Math.max(1, Math.ceil(budget / 10)));
  return { budget, highWater: Math.max(0, budget - headroom) };
}

/**
 * The verdict for one more request of an app holding `appHolds`, while the process holds
 * `total` for `appsHolding` apps (those with at least one request in flight).
 */
export function fairShareVerdict(l: InFlightLimits, total: number, appHolds: number, appsHolding: number): ShareVerdict {
  if (total >= l.budget) return 'full';
  if (total < l.highWater) return 'admit';
  const apps = Math.max(2, appsHolding + (appHolds === 0 ? 1 : 0));
  return appHolds < l.budget / apps ? 'admit' : 'over-share';
}

/**
 * Open files kept for what is not a held request: listeners, health checks, libSQL, replica
 * scrapes, idle upstream keep-alive sockets, logs: 1 % of the limit, at least 200.
 */
export const MIN_FD_RESERVE = 200;

/** The default budget under an open-file limit: (limit − reserve) ÷ 2 fds per request, at least 1. */
export function defaultMaxInFlight(openFileLimit: number): number {
  const reserve = Math.max(MIN_FD_RESERVE, Math.ceil(openFileLimit / 100));
  return Math.max(1, Math.floor((openFileLimit - reserve) / 2));
}
