/**
 * A deployment's pending completions, booked by the tick they fall due in (one heap event per
 * deployment and tick keeps the run fast) but each with its exact time, so a queued request can
 * start the moment a slot frees instead of at the next tick boundary.
 */
import { EventQueue } from './event-queue.ts';

/** Completions falling due within one tick: exact times and counts, in booking order. */
export class DueCompletions {
  /** Requests finishing in this tick (what a per-tick settlement frees at once). */
  total = 0;
  private readonly at: number[] = [];
  private readonly n: number[] = [];

  add(at: number, n: number): void {
    this.at.push(at);
    this.n.push(n);
    this.total += n;
  }

  /** Removes every completion at or before `until`, handing each to `take` in booking order. */
  take(until: number, take: (at: number, n: number) => void): void {
    let kept = 0;
    for (let i = 0; i < this.at.length; i++) {
      const at = this.at[i] ?? 0;
      const n = this.n[i] ?? 0;
      if (at <= until) {
        this.total -= n;
        take(at, n);
      } else {
        this.at[kept] = at;
        this.n[kept] = n;
        kept++;
      }
    }
    this.at.length = kept;
    this.n.length = kept;
  }
}

/**
 * Completions freed one after another in time order, up to `until`. Requests that start on a
 * freed slot book completions of their own: those due by `until` join the order (`offer`), so a
 * short request that starts and finishes within the tick frees its slot in turn. The tick's own
 * completions are sorted once; only those booked while freeing go through a heap (ties: the
 * tick's first, then in the order they were offered).
 */
export class FreeingOrder {
  /** The completion `next()` just freed. */
  at = 0;
  n = 0;
  private readonly ats: number[] = [];
  private readonly ns: number[] = [];
  private order: number[] | null = null;
  private i = 0;
  private readonly offered = new EventQueue<number>();

  constructor(readonly until: number) {}

  /** Adds a completion already known to be due (taken from a tick's book); all before the first `next()`. */
  add(at: number, n: number): void {
    this.ats.push(at);
    this.ns.push(n);
  }

  /** Adds a completion booked while freeing, if it falls due by `until`; false when it does not. */
  offer(at: number, n: number): boolean {
    if (at > this.until) return false;
    this.offered.push(at, 0, n);
    return true;
  }

  /** Moves to the earliest completion not yet freed (`at`, `n`); false when none is left. */
  next(): boolean {
    const ats = this.ats;
    if (this.order === null) this.order = ats.map((_, k) => k).sort((a, b) => (ats[a] ?? 0) - (ats[b] ?? 0) || a - b);
    const k = this.order[this.i];
    const later = this.offered.peekTime();
    if (k !== undefined && (later === undefined || (ats[k] ?? 0) <= later)) {
      this.i++;
      this.at = ats[k] ?? 0;
      this.n = this.ns[k] ?? 0;
      return true;
    }
    const e = this.offered.pop();
    if (e === undefined) return false;
    this.at = e.at;
    this.n = e.payload;
    return true;
  }
}
