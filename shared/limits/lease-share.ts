/**
 * Shares of one app's limit among the proxies of a scope (a region, or every
 * proxy): the pure rules behind proxy/src/limit-leases.ts. Each proxy leases a
 * claim; the sum of live claims never exceeds the limit because a claim only
 * grows inside a serialized libSQL write transaction (`grantClaim`), and a
 * proxy admits only below its own claim. See proxy/README.md "Global limits"
 * for the error bound.
 */

/** What one proxy said about one app's limit at its last renewal. */
export interface LeaseRow {
  readonly proxyId: string;
  /** What it holds now (concurrency slots, or requests per second). */
  readonly claim: number;
  /** What it would use if it could (in use + refused, or its observed rate). */
  readonly want: number;
}

/**
 * Max-min fair targets: every proxy gets what it wants while that fits, the
 * rest split evenly; what nobody wants is split evenly too, so an idle proxy
 * can take a burst before its next renewal. `integer` for concurrency slots
 * (deterministic on every proxy: ties broken by proxy id).
 */
export function fairTargets(limit: number, rows: readonly LeaseRow[], integer: boolean): Map<string, number> {
  const out = new Map<string, number>();
  if (rows.length === 0) return out;
  const byWant = [...rows].sort((a, b) => a.want - b.want || (a.proxyId < b.proxyId ? -1 : 1));
  let left = limit;
  byWant.forEach((r, i) => {
    const even = left / (byWant.length - i);
    const give = Math.max(0, Math.min(r.want, integer ? Math.floor(even) : even));
    out.set(r.proxyId, give);
    left -= give;
  });
  const ids = rows.map((r) => r.proxyId).sort();
  const spare = integer ? Math.floor(left / ids.length) : left / ids.length;
  let remainder = integer ? left - spare * ids.length : 0;
  for (const id of ids) {
    const extra = remainder > 0 ? 1 : 0;
    remainder -= extra;
    out.set(id, (out.get(id) ?? 0) + spare + extra);
  }
  return out;
}

/**
 * The claim a proxy may hold after a renewal: its fair target, cut to what the others hold
 * (for each, the larger of its claim and its requests in flight). The claim may fall below this
 * proxy's own requests in flight: it then admits nothing new until enough of them end, which is
 * how a busy proxy gives share back to a peer that is being refused (flooring the claim at the
 * in-flight count let a proxy under constant load keep the whole limit forever). The sum of what
 * the proxies hold still never exceeds the limit, because others count max(claim, in flight).
 */
export function grantClaim(limit: number, othersHeld: number, target: number): number {
  return Math.max(0, Math.min(target, limit - othersHeld));
}

/**
 * The share a proxy uses once its lease has lapsed (libSQL unreachable):
 * the limit split by the proxies it last saw, at least one request (never
 * zero) and at most the limit (never unlimited). Concurrency rounds down.
 */
export function fallbackShare(limit: number, proxiesLastSeen: number, integer: boolean): number {
  const n = Math.max(1, proxiesLastSeen);
  const share = integer ? Math.floor(limit / n) : limit / n;
  return Math.min(limit, Math.max(1, share));
}

/**
 * The documented worst case (proxy/README.md): how far the proxies of a scope
 * can together go over a concurrency limit. Zero while every proxy renews; each
 * proxy cut off from libSQL may add its fallback share (its requests admitted on
 * its own count, which the others cannot see) until those requests end.
 */
export function concurrencyOvershootBound(limit: number, proxies: number, cutOff: number): number {
  return Math.max(0, Math.min(cutOff, proxies)) * fallbackShare(limit, proxies, true);
}
