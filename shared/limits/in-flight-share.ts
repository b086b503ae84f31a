/**
 * One proxy process's in-flight budget shared fairly between tenants (issue 10 P1, tenant
 * isolation): the pure rules behind proxy/src/in-flight-budget.ts. Every held request costs the
 * process ~2 open files (client and upstream sockets), so a tenant without limits that holds
 * thousands of streams would otherwise exhaust the open-file limit and make accept() and
 * upstream connects fail with EMFILE for every tenant.
 *
 * A tenant is a project, not an app: shares were per app once, so a project that created 20 apps
 * got 20 shares and could fill the budget past every other project's share. Below the high-water
 * mark everyone is admitted. Above it, a project is admitted only while it holds less than an
 * equal share of the budget among the projects holding work (counting itself, and never fewer
 * than two, so a lone flood cannot take the headroom kept for the next tenant): the max-min share
 * when every project wants more. Within its project's share an app is admitted only while it
 * holds less than an equal part of that share among the project's apps holding work, so one app's
 * flood leaves room for its siblings too. At the budget everyone is refused.
 */

export interface InFlightLimits {
  /** Requests this process may hold at once. */
  readonly budget: number;
  /** Below this total, every request is admitted. */
  readonly highWater: number;
}

/** `over-share`: the project holds its share; `over-app-share`: the app holds its part of it. */
export type ShareVerdict = 'admit' | 'over-share' | 'over-app-share' | 'full';

/** What is held when one more request asks: the process's, its project's and its app's. */
export interface Holding {
  /** Requests the process holds, all projects. */
  readonly total: number;
  /** Projects with at least one request in flight. */
  readonly projectsHolding: number;
  /** Requests the caller's project holds, all its apps. */
  readonly projectHolds: number;
  /** Apps of the caller's project with at least one request in flight. */
  readonly appsHolding: number;
  /** Requests the caller's app holds. */
  readonly appHolds: number;
}

/**
 * Headroom above the high-water mark: a tenth of the budget, at most 256. A few hundred slots is
 * room enough for other projects to get in (and their share grows as the flood's requests end),
 * while a lone app may still hold ~97 % of a large budget (bench/proxy-stream-hold.ts: 9,500
 * streams of one app under a 20,000 open-file limit).
 */
export const MAX_HEADROOM = 256;

/** Slots of `budget` kept above the high-water mark for the next tenant: a tenth, 1..MAX_HEADROOM. */
export function headroomOf(budget: number): number {
  return Math.min(MAX_HEADROOM, Math.max(1, Math.ceil(budget / 10)));
}

export function inFlightLimits(budget: number): InFlightLimits {
  return { budget, highWater: Math.max(0, budget - headroomOf(budget)) };
}

/** The verdict for one more request of an app, given what is held (`Holding`). */
export function fairShareVerdict(l: InFlightLimits, h: Holding): ShareVerdict {
  if (h.total >= l.budget) return 'full';
  if (h.total < l.highWater) return 'admit';
  const projectShare = l.budget / Math.max(2, h.projectsHolding + (h.projectHolds === 0 ? 1 : 0));
  if (h.projectHolds >= projectShare) return 'over-share';
  // A project's only app may take the whole project share: no floor of two inside a project.
  const appShare = projectShare / Math.max(1, h.appsHolding + (h.appHolds === 0 ? 1 : 0));
  return h.appHolds < appShare ? 'admit' : 'over-app-share';
}

/**
 * Open files kept for what is not a held request: listeners, health checks, libSQL, replica
 * scrapes, idle upstream keep-alive sockets, logs: 1 % of the limit, at least 200.
 */
export const MIN_FD_RESERVE = 200;

/** Open files kept for what is not a client connection or its upstream socket: 1 % of the limit, at least MIN_FD_RESERVE. */
export function fdReserve(openFileLimit: number): number {
  return Math.max(MIN_FD_RESERVE, Math.ceil(openFileLimit / 100));
}

/** The default budget under an open-file limit: (limit − reserve) ÷ 2 fds per request, at least 1. */
export function defaultMaxInFlight(openFileLimit: number): number {
  return Math.max(1, Math.floor((openFileLimit - fdReserve(openFileLimit)) / 2));
}

/**
 * The default ceiling on client connections under an open-file limit: what is left after the
 * reserve and one upstream socket per request the in-flight budget admits (at most what the limit
 * holds for it, `defaultMaxInFlight`), at least 1. Every client connection costs one file whether
 * it carries a request or idles, and every held request one more upstream: so with the ceiling and
 * the budget both full the process still has its reserve, and a flood of idle or slow connections
 * is refused before the upstream connects of admitted requests fail with EMFILE. 9,900 under
 * 20,000 with the default budget; a smaller budget leaves room for more idle connections.
 */
export function defaultMaxConnections(openFileLimit: number, inFlightBudget: number): number {
  const upstream = Math.min(inFlightBudget, defaultMaxInFlight(openFileLimit));
  return Math.max(1, openFileLimit - fdReserve(openFileLimit) - upstream);
}

/**
 * The default cap on one client address's connections (an IPv6 /64 is one address) that have not
 * yet carried a request whose credential verified: a quarter of the ceiling, at least 64 (at most
 * the ceiling). It binds once the proxy holds half its ceiling (proxy/src/connection-limits.ts
 * `perAddressCapBinds`): below that a burst from one address, all unproven until each first
 * request is read, is never refused, and one address never holds more than half the proxy's
 * connections with idle, slow or unauthenticated ones; past it each address holds a quarter at
 * most. 2,475 under the 9,900 ceiling.
 */
export function defaultMaxConnectionsPerAddress(maxConnections: number): number {
  return Math.min(maxConnections, Math.max(64, Math.ceil(maxConnections / 4)));
}
