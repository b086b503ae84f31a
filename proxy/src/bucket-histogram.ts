/**
 * A Prometheus histogram with one label, counted in plain arrays on the hot path. prom-client's
 * `Histogram.observe` builds a closure and a `{labels, value}` object, validates the label object
 * and hashes it into a string on every call: ~1.3 % of the proxy's CPU per request at one
 * connection (`--cpu-prof`, the upstream TTFB histogram). This one is registered in the same
 * prom-client Registry as a custom metric and exports what prom-client's own Histogram exports
 * (the same values, labels and order), so the scrape and the cluster primary's aggregation are
 * unchanged (bucket-histogram.test.ts compares both against prom-client fed the same values).
 */
import type { Metric, MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';

interface Series {
  /** Observations per bucket (not cumulative), in the order of the bounds. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export class BucketHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly label: L,
    /** Upper bounds, ascending (prom-client's `buckets`). */
    private readonly bounds: readonly number[],
    registers: readonly Registry[],
  ) {
    // A custom metric is anything with name/help/type/aggregator and get(): prom-client's types
    // only name its own four classes.
    for (const r of registers) r.registerMetric(this as unknown as Metric);
  }

  /**
   * One observation (prom-client's call shape, so callers need no change). A non-finite value is
   * ignored, never thrown: this runs on the request path.
   */
  observe(labels: Readonly<Record<L, string>>, value: number): void {
    if (!Number.isFinite(value)) return;
    const labelValue = labels[this.label];
    let s = this.series.get(labelValue);
    if (s === undefined) {
      s = { counts: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(labelValue, s);
    }
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] ?? Infinity)) i += 1;
    if (i < bounds.length) s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count += 1;
  }

  /**
   * prom-client's Histogram#get shape (what the registry scrapes and the cluster primary sums):
   * per label value, cumulative buckets, +Inf, sum and count, the label merged into each value's.
   */
  get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: (MetricValueWithName<string> & { exemplar?: null })[] = [];
    const bucket = `${this.name}_bucket`;
    for (const [labelValue, s] of this.series) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i] ?? 0;
        values.push({ labels: { le, [this.label]: labelValue }, value: acc, metricName: bucket, exemplar: null });
      });
      values.push(
        { labels: { le: '+Inf', [this.label]: labelValue }, value: s.count, metricName: bucket, exemplar: null },
        { labels: { [this.label]: labelValue }, value: s.sum, metricName: `${this.name}_sum` },
        { labels: { [this.label]: labelValue }, value: s.count, metricName: `${this.name}_count` },
      );
    }
    const out = { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
    return Promise.resolve(out as unknown as MetricObjectWithValues<MetricValueWithName<string>>);
  }

  reset(): void {
    this.series.clear();
  }
}
