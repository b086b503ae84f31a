/**
 * Shared per-app limits (scope `region` or `global`): this proxy's lease of
 * each app's concurrency and RPS limits, renewed through libSQL every
 * `limitLeaseIntervalMs`. Admission stays local and synchronous (AppLimiter
 * asks `effective()` for this proxy's share); only the renewal does I/O.
 * Rules and the error bound: shared/limits/lease-share.ts, proxy/README.md
 * "Global limits".
 */
import type { AppLimits } from '../../shared/domain/types.ts';
import { fairTargets, fallbackShare, grantClaim, type LeaseRow } from '../../shared/limits/lease-share.ts';
import type { LeaseKind, LeaseWrite, LimitLeaseStore, StoredLease } from './limit-lease-store.ts';
import { PeerMemory, RenewalLoop, TTL_INTERVALS, USE_INTERVALS } from './lease-renewal.ts';


interface Held {
  claim: number;
}

export interface LeaseDeps {
  readonly store: LimitLeaseStore;
  readonly proxyId: string;
  readonly region: string;
  readonly intervalMs: number;
  readonly now: () => number;
  /** Every app with a limit and its configured limits. */
  readonly limitedApps: () => ReadonlyArray<readonly [string, AppLimits]>;
  readonly inFlight: (appId: string) => number;
}

const heldKey = (appId: string, kind: LeaseKind): string => `${appId}\u0000${kind}`;

/** The libSQL scope key of an app's limits; null when they are counted by each proxy alone. */
export function scopeKey(limits: AppLimits, region: string): string | null {
  const scope = limits.scope ?? 'region';
  if (scope === 'proxy' || (limits.maxConcurrency === null && limits.maxRps === null)) return null;
  return scope === 'global' ? '*' : `region:${region}`;
}

export class LimitLeases {
  private readonly held = new Map<string, Held>();
  /** Peers seen holding leases per scope, and when: the fallback divisor. */
  private readonly peers: PeerMemory;
  /** Local time at the start of the last renewal that committed. */
  private renewedAt = -Infinity;
  /** Refusals and admissions since the last renewal, per app × kind: what the proxy wanted. */
  private readonly refused = new Map<string, number>();
  private readonly admitted = new Map<string, number>();
  private lastRenewAt: number;
  private readonly loop: RenewalLoop;

  constructor(private readonly d: LeaseDeps) {
    this.lastRenewAt = d.now();
    this.loop = new RenewalLoop('limit lease', d.intervalMs, () => this.renew());
    this.peers = new PeerMemory(d.proxyId);
  }

  /** True while the last committed renewal still covers this proxy's claims. */
  leaseValid(now: number): boolean {
    return now < this.renewedAt + USE_INTERVALS * this.d.intervalMs;
  }

  /** The limits this proxy enforces on its own for `appId` now: its claims, or the fallback share. */
  effective(appId: string, limits: AppLimits, now: number): AppLimits {
    const scope = scopeKey(limits, this.d.region);
    if (scope === null) return limits;
    const valid = this.leaseValid(now);
    const share = (kind: LeaseKind, limit: number | null): number | null => {
      if (limit === null) return null;
      const h = this.held.get(heldKey(appId, kind));
      if (valid && h !== undefined) return h.claim;
      // Never renewed (libSQL down since start): no peers known, the whole limit — never more.
      return fallbackShare(limit, this.peers.proxiesIn(scope, now), kind === 'concurrency');
    };
    return { maxConcurrency: share('concurrency', limits.maxConcurrency), maxRps: share('rps', limits.maxRps), scope: 'proxy' };
  }

  /**
   * True while leases are renewed but none covers this key yet: a key (app or route) that became
   * limited, or known, since the last renewal. Admitting it now would use the fallback share,
   * the whole limit when no peer is known yet, on every proxy at once; `claimNew` first.
   */
  unclaimed(appId: string, limits: AppLimits, now: number): boolean {
    if (scopeKey(limits, this.d.region) === null || !this.leaseValid(now)) return false;
    const missing = (kind: LeaseKind, limit: number | null): boolean => limit !== null && !this.held.has(heldKey(appId, kind));
    return missing('concurrency', limits.maxConcurrency) || missing('rps', limits.maxRps);
  }

  /**
   * A renewal that covers keys new since the last one, waited for at most `waitMs` (after which,
   * or if it fails, `effective` gives the fallback share as before). A renewal already running
   * may have started without the new key: then one more.
   */
  async claimNew(appId: string, limits: AppLimits, waitMs: number): Promise<void> {
    const deadline = this.d.now() + waitMs;
    for (let round = 0; round < 2 && this.unclaimed(appId, limits, this.d.now()); round++) {
      const left = deadline - this.d.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, left)));
      await Promise.race([this.loop.once().catch(() => undefined), late]);
      clearTimeout(timer);
    }
  }

  /** AppLimiter reports each verdict: wants for the next renewal. */
  observe(appId: string, verdict: 'admitted' | 'concurrency-limited' | 'rate-limited'): void {
    const bump = (m: Map<string, number>, kind: LeaseKind): void => {
      const k = heldKey(appId, kind);
      m.set(k, (m.get(k) ?? 0) + 1);
    };
    if (verdict === 'admitted') bump(this.admitted, 'rps');
    else bump(this.refused, verdict === 'concurrency-limited' ? 'concurrency' : 'rps');
  }

  /** One renewal; failures keep the old claims until they lapse (then the fallback share applies). */
  renewOnce(): Promise<void> {
    return this.loop.once();
  }

  start(onError: (err: unknown) => void): void {
    this.loop.start(onError);
  }

  stop(): void {
    this.loop.stop();
  }

  private async renew(): Promise<void> {
    const now = this.d.now();
    const apps = this.d.limitedApps().flatMap(([appId, limits]) => {
      const scope = scopeKey(limits, this.d.region);
      return scope === null ? [] : [{ appId, limits, scope }];
    });
    if (apps.length === 0) {
      this.renewedAt = now;
      return;
    }
    const elapsedS = Math.max(0.001, (now - this.lastRenewAt) / 1000);
    let next = new Map<string, Held>();
    await this.d.store.renewLimitLeases({
      proxyId: this.d.proxyId,
      scopes: [...new Set(apps.map((a) => a.scope))],
      now,
      expiresAt: now + TTL_INTERVALS * this.d.intervalMs,
      decide: (live) => {
        this.peers.note(live, now);
        const writes: LeaseWrite[] = [];
        next = new Map();
        for (const a of apps) {
          for (const kind of ['concurrency', 'rps'] as const) {
            const limit = kind === 'concurrency' ? a.limits.maxConcurrency : a.limits.maxRps;
            if (limit === null) continue;
            const w = this.decideOne(a.appId, a.scope, kind, limit, live, elapsedS);
            writes.push(w.write);
            next.set(heldKey(a.appId, kind), w.held);
          }
        }
        // Shrink before the commit makes the freed share visible to the others: never both.
        for (const [k, h] of next) {
          const old = this.held.get(k);
          if (old !== undefined) old.claim = Math.min(old.claim, h.claim);
        }
        return writes;
      },
    });
    this.held.clear();
    for (const [k, h] of next) this.held.set(k, h);
    this.renewedAt = now;
    this.lastRenewAt = now;
    this.refused.clear();
    this.admitted.clear();
  }

  private decideOne(
    appId: string,
    scope: string,
    kind: LeaseKind,
    limit: number,
    live: readonly StoredLease[],
    elapsedS: number,
  ): { write: LeaseWrite; held: Held } {
    const k = heldKey(appId, kind);
    const others = live.filter((l) => l.scope === scope && l.appId === appId && l.kind === kind && l.proxyId !== this.d.proxyId);
    const refused = this.refused.get(k) ?? 0;
    const inUse = kind === 'concurrency' ? this.d.inFlight(appId) : 0;
    const want = kind === 'concurrency' ? inUse + refused : ((this.admitted.get(k) ?? 0) + refused) / elapsedS;
    const rows: LeaseRow[] = [...others, { proxyId: this.d.proxyId, claim: 0, want }];
    const target = fairTargets(limit, rows, kind === 'concurrency').get(this.d.proxyId) ?? 0;
    // A peer giving share back may still have more in flight than its claim: count what it holds.
    const othersHeld = others.reduce((s, l) => s + Math.max(l.claim, l.inUse), 0);
    const claim = grantClaim(limit, othersHeld, target);
    return { write: { scope, appId, kind, claim, want, inUse }, held: { claim } };
  }
}
