import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BucketHistogram } from './bucket-histogram.ts';

const BOUNDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const NAME = 'switchyard_proxy_upstream_ttfb_seconds';

/** The same observations into prom-client's Histogram and into ours, each in its own registry. */
function both(observations: readonly (readonly [string, number])[]): { theirs: Registry; ours: Registry } {
  const theirs = new Registry();
  const ours = new Registry();
  const h = new Histogram({ name: NAME, help: 'Upstream time to response headers', labelNames: ['cluster'], buckets: BOUNDS, registers: [theirs] });
  const b = new BucketHistogram(NAME, 'Upstream time to response headers', 'cluster', BOUNDS, [ours]);
  for (const [cluster, v] of observations) {
    h.observe({ cluster }, v);
    b.observe({ cluster }, v);
  }
  return { theirs, ours };
}

const cases: { name: string; observations: [string, number][] }[] = [
  { name: 'nothing observed', observations: [] },
  { name: 'one value on a bound (le is inclusive)', observations: [['c1', 0.005]] },
  { name: 'values in every bucket and above the last', observations: [0, 0.0005, 0.001, 0.003, 0.02, 0.07, 0.3, 0.9, 2, 4, 7, 29, 30, 31, 1000].map((v) => ['c1', v]) },
  { name: 'several clusters, interleaved', observations: [['a', 0.002], ['b', 0.2], ['a', 0.002], ['c', 12], ['b', 0.0001], ['a', 3]] },
];

describe('BucketHistogram exports what prom-client Histogram exports', () => {
  it.each(cases)('$name: the same scrape text and JSON', async ({ observations }) => {
    const { theirs, ours } = both(observations);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it.each(cases)('$name: the same sum across worker processes (AggregatorRegistry)', async ({ observations }) => {
    const w1 = both(observations);
    const w2 = both(observations.slice(0, Math.ceil(observations.length / 2)));
    const theirs = AggregatorRegistry.aggregate([await w1.theirs.getMetricsAsJSON(), await w2.theirs.getMetricsAsJSON()]);
    const ours = AggregatorRegistry.aggregate([await w1.ours.getMetricsAsJSON(), await w2.ours.getMetricsAsJSON()]);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('ignores a non-finite value instead of throwing on the request path', async () => {
    const { ours, theirs } = both([['c1', 0.2]]);
    const h = ours.getSingleMetric(NAME) as unknown as BucketHistogram<'cluster'>;
    h.observe({ cluster: 'c1' }, NaN);
    h.observe({ cluster: 'c1' }, Infinity);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('reset empties it, as registry.resetMetrics() does for prom-client metrics', async () => {
    const { ours } = both([['c1', 0.2]]);
    ours.resetMetrics();
    expect(await ours.metrics()).toBe(await both([]).theirs.metrics());
  });
});
