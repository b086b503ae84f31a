/**
 * Per-app concurrency and requests-per-second admission, local and
 * synchronous. What it enforces comes from `limitsOf`: the configured limits
 * when the app counts per proxy, else this proxy's lease of the shared limit
 * (limit-leases.ts). RPS uses a token bucket refilled continuously, so bursts
 * up to one second's worth are allowed.
 */
import type { AppLimits } from '../../shared/domain/types.ts';

interface AppCounters {
  inFlight: number;
  tokens: number;
  refilledAt: number;
}

export type LimitVerdict =
  | { readonly ok: true; readonly release: () => void }
  | {
      readonly ok: false;
      readonly code: 'rate-limited' | 'concurrency-limited';
      readonly retryAfterS: number;
    };

/**
 * What a request is charged: `rate-only` for an async-job submission (it starts no upstream
 * work; its run takes a slot later), `slot-only` for that run (its rate was charged at submit).
 */
export type LimitCharge = 'both' | 'rate-only' | 'slot-only';

export type LimitObserver = (appId: string, verdict: 'admitted' | 'concurrency-limited' | 'rate-limited') => void;

/**
 * How the request path admits: an AppLimiter (synchronous, one process), or a worker asking its
 * cluster primary (cluster-limits.ts), which answers asynchronously.
 */
export interface Admission {
  acquire(key: string, now: number, charge?: LimitCharge): LimitVerdict | Promise<LimitVerdict>;
  inFlight(key: string): number;
}

export class AppLimiter implements Admission {
  private readonly counters = new Map<string, AppCounters>();

  constructor(
    private readonly limitsOf: (appId: string, now: number) => AppLimits,
    private readonly observe: LimitObserver = () => undefined,
  ) {}

  inFlight(appId: string): number {
    return this.counters.get(appId)?.inFlight ?? 0;
  }

  acquire(appId: string, now: number, charge: LimitCharge = 'both'): LimitVerdict {
    const verdict = this.decide(appId, now, charge);
    this.observe(appId, verdict.ok ? 'admitted' : verdict.code);
    return verdict;
  }

  private decide(appId: string, now: number, charge: LimitCharge): LimitVerdict {
    const limits = this.limitsOf(appId, now);
    let c = this.counters.get(appId);
    if (c === undefined) {
      c = { inFlight: 0, tokens: limits.maxRps ?? 0, refilledAt: now };
      this.counters.set(appId, c);
    }
    if (charge !== 'rate-only' && limits.maxConcurrency !== null && c.inFlight >= limits.maxConcurrency) {
      return { ok: false, code: 'concurrency-limited', retryAfterS: 1 };
    }
    if (charge !== 'slot-only' && limits.maxRps !== null) {
      c.tokens = Math.min(limits.maxRps, c.tokens + ((now - c.refilledAt) / 1000) * limits.maxRps);
      c.refilledAt = now;
      if (c.tokens < 1) {
        // A zero share (leased to other proxies) is re-balanced within seconds: retry soon.
        const waitS = limits.maxRps > 0 ? Math.ceil((1 - c.tokens) / limits.maxRps) : 1;
        return { ok: false, code: 'rate-limited', retryAfterS: Math.max(1, waitS) };
      }
      c.tokens -= 1;
    }
    if (charge === 'rate-only') return RATE_ONLY;
    c.inFlight += 1;
    const slot = new Slot(c);
    return { ok: true, release: slot.free.bind(slot) };
  }
}

const RATE_ONLY: LimitVerdict = { ok: true, release: () => undefined };

/**
 * One held concurrency slot, freed once. A bound method, not an arrow in the verdict's object
 * literal: under tsx (esbuild keepNames, as production runs) such an arrow has its name
 * redefined, a ~256-byte property dictionary, and a held stream keeps its slot for hours.
 */
class Slot {
  private released = false;

  constructor(private readonly counters: AppCounters) {}

  free(): void {
    if (this.released) return;
    this.released = true;
    this.counters.inFlight -= 1;
  }
}
