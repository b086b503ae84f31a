/**
 * What every libSQL lease holder of the proxy shares (limit-leases.ts for concurrency/RPS,
 * token-leases.ts for tokens per minute): the lease timings and the renewal loop.
 */

/** A lease row lives this many intervals in libSQL; the holder stops using it one interval earlier (clock skew). */
export const TTL_INTERVALS = 3;
export const USE_INTERVALS = 2;
/**
 * A peer counts towards the fallback divisor for this long after it was last seen: a peer whose
 * lease lapsed just before libSQL went away (a slow renewal) still takes its share.
 */
export const PEER_MEMORY_MS = 60_000;

/**
 * Renews every interval, one renewal at a time. A hung libSQL call is abandoned after the lease's
 * lifetime, so the next tick tries afresh (should it commit late, its claims are already past
 * their use-by time); failures keep the old claims until they lapse.
 */
export class RenewalLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly renew: () => Promise<void>,
  ) {}

  once(): Promise<void> {
    const giveUpMs = TTL_INTERVALS * this.intervalMs;
    this.running ??= new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.what} renewal took over ${giveUpMs} ms`)), giveUpMs);
      this.renew().then(resolve, reject).finally(() => clearTimeout(t));
    }).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  start(onError: (err: unknown) => void): void {
    this.timer = setInterval(() => {
      this.once().catch(onError);
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

/**
 * The peers a holder has seen holding leases, per scope, and when: the divisor of the fallback
 * share once libSQL is gone (this proxy plus every peer seen within PEER_MEMORY_MS).
 */
export class PeerMemory {
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(private readonly self: string) {}

  /** Remembers the holders of `live` rows (at `now`), this proxy's own excepted. */
  note(live: ReadonlyArray<{ readonly scope: string; readonly proxyId: string }>, now: number): void {
    for (const l of live) {
      if (l.proxyId === this.self) continue;
      const seen = this.seen.get(l.scope) ?? new Map<string, number>();
      seen.set(l.proxyId, now);
      this.seen.set(l.scope, seen);
    }
  }

  /** This proxy plus the peers seen in `scope` within PEER_MEMORY_MS. */
  proxiesIn(scope: string, now: number): number {
    let n = 1;
    for (const at of this.seen.get(scope)?.values() ?? []) if (now - at < PEER_MEMORY_MS) n += 1;
    return n;
  }
}
