/**
 * The edge's local fast stop for a failing rollout canary. The controller's gates act on outcomes
 * the proxies report in batches, so a canary that fails every request would keep costing clients
 * errors for a report interval + a gate interval + a snapshot refresh. The brake counts, in this
 * edge (isolate), the canary answers clients saw as failures (5xx or none) in the current window
 * (rollout id + step weight + status), and stops sending requests to the canary:
 *
 * * once `errorBudget` failures were seen (the whole budget is spent), and
 * * after the first failure, whenever failures + canary requests still in flight would reach the
 *   budget (a suspect canary gets only as many concurrent requests as budget is left).
 *
 * Bound: one edge shows clients at most max(errorBudget, canary requests in flight when its first
 * canary failure returned) errors per window; E edges deciding concurrently at most E times that,
 * until the controller's rollback (it rolls back when the reported errors reach the budget)
 * reaches their snapshots; a braked window with no new failure for BRAKE_RESET_MS starts over. A braked request goes to the stable version (reason `braked`).
 * No I/O: the edge calls `begin`/`end` around its forward.
 */
import { DEFAULT_GATES, type RolloutView } from './types.ts';

interface Window {
  failures: number;
  inflight: number;
  lastFailureAt: number;
}

/**
 * A window with no new failure for this long starts over: failures the edge saw but the
 * proxies did not report as the canary's (an unreachable proxy, say) would otherwise brake the
 * canary here for good while the controller, short of canary outcomes, never decides.
 */
export const BRAKE_RESET_MS = 30_000;

/**
 * Windows kept at most (one per rollout step seen by this isolate; a few dozen bytes each); the
 * least recently used go first, so many apps' rollouts, or one app's many old steps, never push
 * out a window still in use (which would forget its failures and let its canary through again).
 */
export const MAX_BRAKE_WINDOWS = 1024;

export function brakeWindowKey(r: RolloutView): string {
  return `${r.id}\n${r.weightPct}\n${r.status}`;
}

/** The budget the brake enforces: the rollout's error budget (0 = the first failure stops it). */
export function brakeBudget(r: RolloutView): number {
  return Math.max(1, Math.floor(r.gates?.errorBudget ?? DEFAULT_GATES.errorBudget));
}

export class CanaryBrake {
  readonly #windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  #window(r: RolloutView): Window {
    const key = brakeWindowKey(r);
    let w = this.#windows.get(key);
    if (w !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.#windows.delete(key);
      this.#windows.set(key, w);
    } else {
      if (this.#windows.size >= MAX_BRAKE_WINDOWS) {
        const oldest = this.#windows.keys().next();
        if (oldest.done !== true) this.#windows.delete(oldest.value);
      }
      w = { failures: 0, inflight: 0, lastFailureAt: 0 };
      this.#windows.set(key, w);
    }
    return w;
  }

  /** May one more request go to the canary of `r`? */
  admits(r: RolloutView): boolean {
    const w = this.#windows.get(brakeWindowKey(r));
    if (w === undefined || w.failures === 0) return true;
    if (this.now() - w.lastFailureAt >= BRAKE_RESET_MS) {
      w.failures = 0;
      return true;
    }
    return w.failures + w.inflight < brakeBudget(r);
  }

  /** A canary request is on its way. */
  begin(r: RolloutView): void {
    this.#window(r).inflight++;
  }

  /** Its answer: `failed` = the client saw a 5xx or no answer (never a client's 4xx). */
  end(r: RolloutView, failed: boolean): void {
    const w = this.#window(r);
    w.inflight = Math.max(0, w.inflight - 1);
    if (failed) {
      w.failures++;
      w.lastFailureAt = this.now();
    }
  }

  /** Failures seen in the current window of `r` (status, tests). */
  failures(r: RolloutView): number {
    return this.#windows.get(brakeWindowKey(r))?.failures ?? 0;
  }
}
