/**
 * Per-request counting without prom-client on the hot path: `Counter.inc`
 * validates and hashes its label object on every call, which showed up on
 * the per-request profile. A CounterBatch keeps plain Map counts keyed by
 * the label values and hands their sums to the counter when it is read
 * (scrape, `get()`), so exposition is unchanged.
 */
import type { Counter, LabelValues } from 'prom-client';

export class CounterBatch<T extends string> {
  private readonly pending = new Map<string, { labels: LabelValues<T>; n: number }>();

  constructor(private readonly names: readonly [T, T]) {}

  /** Count one event with these two label values. */
  inc(a: string, b: string): void {
    const key = `${a}\u0000${b}`;
    const p = this.pending.get(key);
    if (p !== undefined) p.n += 1;
    else {
      const labels = { [this.names[0]]: a, [this.names[1]]: b } as LabelValues<T>;
      this.pending.set(key, { labels, n: 1 });
    }
  }

  /** Move the pending counts into `counter` (its `collect` hook calls this). */
  flushInto(counter: Counter<T>): void {
    for (const p of this.pending.values()) {
      if (p.n === 0) continue;
      counter.inc(p.labels, p.n);
      p.n = 0;
    }
  }
}
