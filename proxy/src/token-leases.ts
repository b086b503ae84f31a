/**
 * Shared tokens-per-minute budgets (scope `region` or `global`, app and project budgets alike):
 * this proxy's lease of each budget's minute, renewed through libSQL every
 * `limitLeaseIntervalMs` — the concurrency/RPS lease rules (shared/limits/lease-share.ts) applied
 * to tokens. Admission stays local: the proxy's bucket for a budget refills at its claim and holds
 * at most its claim, and the claims of a scope sum to at most the budget, so the proxies together
 * admit what one proxy with the whole budget would (proxy/README.md "Token budgets", bound).
 * Kept apart from limit-leases.ts (own rows, kind `tokens`; own store in token-lease-store.ts).
 */
import type { TokenBudget } from '../../shared/limits/token-budget-config.ts';
import { fairTargets, fallbackShare, grantClaim, type LeaseRow } from '../../shared/limits/lease-share.ts';
import type { TokenLeaseStore } from './token-lease-store.ts';
import { PeerMemory, RenewalLoop, TTL_INTERVALS, USE_INTERVALS } from './lease-renewal.ts';


export interface TokenLeaseDeps {
  readonly store: TokenLeaseStore;
  readonly proxyId: string;
  readonly region: string;
  readonly intervalMs: number;
  readonly now: () => number;
  /** Every budget key (app id, `project:<id>`) with its configured budget. */
  readonly budgets: () => ReadonlyArray<readonly [string, TokenBudget]>;
  /** A claim shrank: empty the key's bucket down to it (before the commit frees the rest). */
  readonly clamp: (key: string, claim: number) => void;
}

/** The libSQL scope of a budget's tokens per minute; null when each proxy counts alone. */
export function tokenScopeKey(b: TokenBudget, region: string): string | null {
  const scope = b.scope ?? 'region';
  if (b.tokensPerMinute === null || scope === 'proxy') return null;
  return scope === 'global' ? 'tpm:*' : `tpm:region:${region}`;
}

export class TokenLeases {
  private held = new Map<string, number>();
  private readonly peers: PeerMemory;
  private renewedAt = -Infinity;
  private lastRenewAt: number;
  /** Tokens admitted or refused per key since the last renewal: what this proxy wanted. */
  private readonly taken = new Map<string, number>();
  private readonly loop: RenewalLoop;

  constructor(private readonly d: TokenLeaseDeps) {
    this.lastRenewAt = d.now();
    this.loop = new RenewalLoop('token lease', d.intervalMs, () => this.renew());
    this.peers = new PeerMemory(d.proxyId);
  }

  /** Tokens per minute this proxy enforces for `key` now: its claim, or its fallback share. */
  share(key: string, budget: TokenBudget, now: number): number | null {
    const tpm = budget.tokensPerMinute;
    const scope = tokenScopeKey(budget, this.d.region);
    if (tpm === null || scope === null) return tpm;
    const claim = this.held.get(key);
    if (now < this.renewedAt + USE_INTERVALS * this.d.intervalMs && claim !== undefined) return claim;
    return fallbackShare(tpm, this.peers.proxiesIn(scope, now), false);
  }

  /** Tokens a request took (reservation, draws) or was refused: the want of the next renewal. */
  observe(key: string, tokens: number): void {
    this.taken.set(key, (this.taken.get(key) ?? 0) + Math.max(0, tokens));
  }

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
    const shared = this.d.budgets().flatMap(([key, b]) => {
      const scope = tokenScopeKey(b, this.d.region);
      return scope === null || b.tokensPerMinute === null ? [] : [{ key, scope, limit: b.tokensPerMinute }];
    });
    if (shared.length === 0) {
      this.renewedAt = now;
      return;
    }
    const elapsedMin = Math.max(0.001 / 60, (now - this.lastRenewAt) / 60_000);
    let next = new Map<string, number>();
    await this.d.store.renewTokenLeases({
      proxyId: this.d.proxyId,
      scopes: [...new Set(shared.map((s) => s.scope))],
      now,
      expiresAt: now + TTL_INTERVALS * this.d.intervalMs,
      decide: (live) => {
        this.peers.note(live, now);
        next = new Map();
        const writes = shared.map((s) => {
          const others = live.filter((l) => l.scope === s.scope && l.key === s.key && l.proxyId !== this.d.proxyId);
          const want = (this.taken.get(s.key) ?? 0) / elapsedMin;
          const rows: LeaseRow[] = [...others, { proxyId: this.d.proxyId, claim: 0, want }];
          const target = fairTargets(s.limit, rows, false).get(this.d.proxyId) ?? 0;
          const claim = grantClaim(s.limit, others.reduce((n, l) => n + l.claim, 0), target);
          next.set(s.key, claim);
          return { scope: s.scope, key: s.key, claim, want };
        });
        // Shrink (claim and bucket) before the commit makes the freed share visible to the others.
        for (const [key, claim] of next) {
          const old = this.held.get(key);
          if (old !== undefined && claim < old) this.held.set(key, claim);
          this.d.clamp(key, claim);
        }
        return writes;
      },
    });
    this.held = next;
    this.renewedAt = now;
    this.lastRenewAt = now;
    this.taken.clear();
  }
}

/**
 * Shares this proxy's tokens-per-minute budgets through libSQL when the store can (else each
 * proxy counts the whole budget): the first renewal before the proxy serves, then one every
 * interval. Returns the leases to stop at drain; null without a store.
 */
export async function startTokenLeases(
  store: Partial<TokenLeaseStore> | null,
  deps: Omit<TokenLeaseDeps, 'store'>,
  useShares: (leases: TokenLeases) => void,
  onError: (err: unknown) => void,
): Promise<TokenLeases | null> {
  const renew = store?.renewTokenLeases?.bind(store);
  if (renew === undefined) return null;
  const leases = new TokenLeases({ ...deps, store: { renewTokenLeases: renew } });
  useShares(leases);
  await leases.renewOnce().catch(onError);
  leases.start(onError);
  return leases;
}
