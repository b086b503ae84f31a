/**
 * A deployment's pending completions, booked by the tick they fall due in (one heap event per
 * deployment and tick keeps the run fast) but each with its exact time, so a queued request can
 * start the moment a slot frees instead of at the next tick boundary.
 */
import { EventQueue, type QueuedEvent } from './event-queue.ts';

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
 * short request that starts and finishes within the tick frees its slot in turn.
 */
export class FreeingOrder {
  private readonly q = new EventQueue<number>();

  constructor(readonly until: number) {}

  /** Adds a completion already known to be due (taken from a tick's book). */
  add(at: number, n: number): void {
    this.q.push(at, 0, n);
  }

  /** Adds a completion booked while freeing, if it falls due by `until`; false when it does not. */
  offer(at: number, n: number): boolean {
    if (at > this.until) return false;
    this.q.push(at, 0, n);
    return true;
  }

  /** The earliest completion not yet freed (ties in the order they were added). */
  next(): QueuedEvent<number> | undefined {
    return this.q.pop();
  }
}
