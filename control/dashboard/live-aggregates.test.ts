import { describe, expect, it } from 'vitest';
import { LiveAggregates, type OutcomeCount, type TrafficCount } from './live-aggregates.ts';

const agg = (): LiveAggregates => new LiveAggregates({ bucketMs: 1000, keep: 3 });

describe('LiveAggregates traffic', () => {
  it.each<{ name: string; rows: TrafficCount[]; now: number; want: Record<number, Record<string, Record<string, number>>>; oldest: number }>([
    { name: 'nothing', rows: [], now: 5_500, want: { 3000: {}, 4000: {}, 5000: {} }, oldest: Infinity },
    {
      name: 'sums per bucket, app and cluster; null cluster is "none"',
      rows: [
        { bucket: 5_100, appId: 'a', cluster: 'x', n: 2 },
        { bucket: 5_900, appId: 'a', cluster: 'x', n: 3 },
        { bucket: 4_000, appId: 'a', cluster: null, n: 1 },
        { bucket: 4_200, appId: 'b', cluster: 'y', n: 7 },
      ],
      now: 5_500,
      want: { 3000: {}, 4000: { a: { none: 1 }, b: { y: 7 } }, 5000: { a: { x: 5 } } },
      oldest: 4000,
    },
    {
      name: 'rows outside the window are not shown',
      rows: [{ bucket: 1_000, appId: 'a', cluster: 'x', n: 9 }],
      now: 5_500,
      want: { 3000: {}, 4000: {}, 5000: {} },
      oldest: 1000,
    },
  ])('$name', ({ rows, now, want, oldest }) => {
    const a = agg();
    expect(a.addTraffic(rows)).toBe(oldest);
    expect(Object.fromEntries(a.view(now).map((b) => [b.t, b.apps]))).toEqual(want);
  });
});

describe('LiveAggregates outcomes', () => {
  it.each<{ name: string; rows: OutcomeCount[]; want: Record<string, unknown> }>([
    {
      name: 'mean TTFT over answered attempts, errors summed',
      rows: [
        { bucket: 5_000, clusterId: 'x', requests: 4, errors: 1, ttfbSumMs: 300, ttfbCount: 3 },
        { bucket: 5_400, clusterId: 'x', requests: 2, errors: 2, ttfbSumMs: 0, ttfbCount: 0 },
      ],
      want: { x: { requests: 6, errors: 3, ttftMs: 100 } },
    },
    { name: 'no answered attempt: TTFT null', rows: [{ bucket: 5_000, clusterId: 'y', requests: 1, errors: 1, ttfbSumMs: 0, ttfbCount: 0 }], want: { y: { requests: 1, errors: 1, ttftMs: null } } },
  ])('$name', ({ rows, want }) => {
    const a = agg();
    a.addOutcomes(rows);
    expect(a.view(5_500).at(-1)?.clusters).toEqual(want);
  });
});

describe('LiveAggregates window', () => {
  it.each([
    { from: undefined, want: [3000, 4000, 5000] },
    { from: 4_500, want: [4000, 5000] },
    { from: 0, want: [3000, 4000, 5000] },
    { from: 9_000, want: [] },
  ])('view from $from', ({ from, want }) => {
    expect(agg().view(5_500, from).map((b) => b.t)).toEqual(want);
  });

  it('prune forgets old buckets so memory stays bounded', () => {
    const a = agg();
    a.addTraffic([{ bucket: 1_000, appId: 'a', cluster: 'x', n: 1 }]);
    a.prune(5_500);
    // Once pruned, a window that reaches back again does not see it.
    expect(a.view(1_500).find((b) => b.t === 1000)?.apps).toEqual({});
  });
});
