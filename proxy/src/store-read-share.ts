/**
 * A few of the store client's request slots, shared fairly between callers (keys): what work a
 * client can start on libSQL without a token may take no more than this, so leases, outcome
 * writes and job submissions always keep the rest. The fairness rule is the in-flight budget's
 * (shared/limits/in-flight-share.ts) with no high-water mark: from the first read, a key holds
 * less than an equal share among the keys holding reads, never more than half, so one client
 * cannot take what the next one needs.
 */
import { fairShareVerdict, type InFlightLimits } from '../../shared/limits/in-flight-share.ts';

/** `over-share`: this key holds its share; `full`: all the slots are held. */
export type ShareRefusal = 'over-share' | 'full';

export class StoreReadShare {
  readonly #limits: InFlightLimits;
  #total = 0;
  // Only keys holding reads: an entry goes with its last read (bounded by the slots).
  readonly #held = new Map<string, number>();

  constructor(readonly slots: number) {
    this.#limits = { budget: slots, highWater: 0 };
  }

  /** A slot for `key` (the function gives it back, once), or why not. */
  acquire(key: string): (() => void) | ShareRefusal {
    const holds = this.#held.get(key) ?? 0;
    // One level: each key is a tenant of its own with a single part (no apps within it).
    const verdict = fairShareVerdict(this.#limits, { total: this.#total, projectsHolding: this.#held.size, projectHolds: holds, appsHolding: 1, appHolds: holds });
    if (verdict === 'full') return 'full';
    if (verdict !== 'admit') return 'over-share';
    this.#held.set(key, holds + 1);
    this.#total += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#total -= 1;
      const n = (this.#held.get(key) ?? 1) - 1;
      if (n === 0) this.#held.delete(key);
      else this.#held.set(key, n);
    };
  }

  /** Slots held now. */
  get held(): number {
    return this.#total;
  }
}
