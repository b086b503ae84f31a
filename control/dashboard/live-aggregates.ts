/**
 * Server-side aggregation for the live charts: decisions per app and chosen cluster, and
 * attempts, errors and TTFT per cluster, in fixed time buckets kept for a bounded window.
 * The poller adds only the rows new since its last read (grouped in SQL), so the cost per
 * tick follows the new rows, not the history; browsers receive only the buckets that changed.
 * Pure: no clock reads, no I/O.
 */

export interface TrafficCount {
  /** Bucket start, ms epoch (a multiple of bucketMs). */
  readonly bucket: number;
  readonly appId: string;
  /** Chosen cluster; null for panic / no-candidate decisions. */
  readonly cluster: string | null;
  readonly n: number;
}

export interface OutcomeCount {
  readonly bucket: number;
  readonly clusterId: string;
  readonly requests: number;
  /** 5xx answers and attempts without an answer (status 0), as the snapshot counts them. */
  readonly errors: number;
  readonly ttfbSumMs: number;
  readonly ttfbCount: number;
}

export interface ClusterBucket {
  readonly requests: number;
  readonly errors: number;
  /** Mean time to first byte of the answered attempts; null when none. */
  readonly ttftMs: number | null;
}

export interface BucketView {
  readonly t: number;
  /** app → chosen cluster ('none' for no choice) → decisions. */
  readonly apps: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly clusters: Readonly<Record<string, ClusterBucket>>;
}

interface MutableBucket {
  apps: Map<string, Map<string, number>>;
  clusters: Map<string, { requests: number; errors: number; ttfbSumMs: number; ttfbCount: number }>;
}

export const NO_CLUSTER = 'none';

export class LiveAggregates {
  readonly bucketMs: number;
  readonly keep: number;
  readonly #buckets = new Map<number, MutableBucket>();

  constructor(options: { bucketMs: number; keep: number }) {
    this.bucketMs = options.bucketMs;
    this.keep = options.keep;
  }

  bucketOf(at: number): number {
    return Math.floor(at / this.bucketMs) * this.bucketMs;
  }

  #bucket(t: number): MutableBucket {
    let b = this.#buckets.get(t);
    if (b === undefined) {
      b = { apps: new Map(), clusters: new Map() };
      this.#buckets.set(t, b);
    }
    return b;
  }

  /** Adds counts; returns the oldest bucket touched (Infinity when none), for incremental sends. */
  addTraffic(rows: readonly TrafficCount[]): number {
    let oldest = Infinity;
    for (const r of rows) {
      const t = this.bucketOf(r.bucket);
      const app = this.#bucket(t).apps;
      const byCluster = app.get(r.appId) ?? new Map<string, number>();
      const key = r.cluster ?? NO_CLUSTER;
      byCluster.set(key, (byCluster.get(key) ?? 0) + r.n);
      app.set(r.appId, byCluster);
      oldest = Math.min(oldest, t);
    }
    return oldest;
  }

  addOutcomes(rows: readonly OutcomeCount[]): number {
    let oldest = Infinity;
    for (const r of rows) {
      const t = this.bucketOf(r.bucket);
      const clusters = this.#bucket(t).clusters;
      const c = clusters.get(r.clusterId) ?? { requests: 0, errors: 0, ttfbSumMs: 0, ttfbCount: 0 };
      c.requests += r.requests;
      c.errors += r.errors;
      c.ttfbSumMs += r.ttfbSumMs;
      c.ttfbCount += r.ttfbCount;
      clusters.set(r.clusterId, c);
      oldest = Math.min(oldest, t);
    }
    return oldest;
  }

  /** Drops buckets that left the window ending at `now`. */
  prune(now: number): void {
    const first = this.firstBucket(now);
    for (const t of this.#buckets.keys()) if (t < first) this.#buckets.delete(t);
  }

  firstBucket(now: number): number {
    return this.bucketOf(now) - (this.keep - 1) * this.bucketMs;
  }

  /** Buckets from `from` on (clamped to the window), oldest first, empty ones included. */
  view(now: number, from = -Infinity): BucketView[] {
    const out: BucketView[] = [];
    const last = this.bucketOf(now);
    for (let t = Math.max(this.firstBucket(now), this.bucketOf(Math.max(from, 0))); t <= last; t += this.bucketMs) {
      const b = this.#buckets.get(t);
      out.push({
        t,
        apps: Object.fromEntries([...(b?.apps ?? new Map<string, Map<string, number>>())].map(([app, m]) => [app, Object.fromEntries(m)])),
        clusters: Object.fromEntries(
          [...(b?.clusters ?? [])].map(([id, c]) => [
            id,
            { requests: c.requests, errors: c.errors, ttftMs: c.ttfbCount === 0 ? null : Math.round((c.ttfbSumMs / c.ttfbCount) * 10) / 10 },
          ]),
        ),
      });
    }
    return out;
  }
}
