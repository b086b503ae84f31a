/**
 * A log-bucketed latency histogram: constant memory however many requests are
 * recorded (a simulated week is hundreds of millions), counts may be weighted
 * (aggregated arrivals), quantiles within ~2.5 % of the true value.
 */
const BUCKETS_PER_DECADE = 40;
const MIN_MS = 0.1;
const DECADES = 9; // 0.1 ms .. 1e8 ms (~28 h)
const SIZE = BUCKETS_PER_DECADE * DECADES + 2;

export interface HistogramJson {
  readonly count: number;
  readonly sum: number;
  /** [upper bound ms, count] for non-empty buckets, ascending. */
  readonly buckets: ReadonlyArray<readonly [number, number]>;
}

export class Histogram {
  private readonly counts = new Float64Array(SIZE);
  private total = 0;
  private sumMs = 0;

  get count(): number {
    return this.total;
  }

  record(ms: number, count = 1): void {
    if (count <= 0) return;
    const b = bucketOf(ms);
    this.counts[b] = (this.counts[b] ?? 0) + count;
    this.total += count;
    this.sumMs += ms * count;
  }

  mean(): number | null {
    return this.total === 0 ? null : this.sumMs / this.total;
  }

  /** The q-quantile (0..1) as the geometric middle of the bucket holding it; null when empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const target = q * this.total;
    let acc = 0;
    for (let i = 0; i < SIZE; i++) {
      acc += this.counts[i] ?? 0;
      if (acc >= target && acc > 0) return middleOf(i);
    }
    return middleOf(SIZE - 1);
  }

  toJSON(): HistogramJson {
    const buckets: Array<readonly [number, number]> = [];
    for (let i = 0; i < SIZE; i++) {
      const c = this.counts[i] ?? 0;
      if (c > 0) buckets.push([round3(upperOf(i)), c]);
    }
    return { count: this.total, sum: round3(this.sumMs), buckets };
  }
}

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  const i = Math.ceil(Math.log10(ms / MIN_MS) * BUCKETS_PER_DECADE);
  return Math.min(SIZE - 1, i);
}

function upperOf(i: number): number {
  return MIN_MS * 10 ** (i / BUCKETS_PER_DECADE);
}

function middleOf(i: number): number {
  return i === 0 ? MIN_MS : MIN_MS * 10 ** ((i - 0.5) / BUCKETS_PER_DECADE);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Exact quantile of a small in-memory sample (replay), or null when empty. */
export function quantileOf(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? null;
}
