import { describe, expect, it } from 'vitest';
import { workerShare } from './worker-limits.ts';

describe('a worker share of a per-proxy limit', () => {
  it.each([
    ['splits evenly', 4, 2, [2, 2]],
    ['gives the remainder to the first workers', 5, 3, [2, 2, 1]],
    ['leaves workers at 0 when the limit is below the worker count', 1, 2, [1, 0]],
    ['one worker keeps the whole limit', 7, 1, [7]],
  ])('%s', (_n, limit, count, shares) => {
    const got = Array.from({ length: count }, (_, index) =>
      workerShare({ maxConcurrency: limit, maxRps: limit, scope: 'proxy' }, { index, count }),
    );
    expect(got.map((l) => l.maxConcurrency)).toEqual(shares);
    expect(got.map((l) => l.maxRps)).toEqual(shares);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(limit);
  });

  it('keeps unlimited unlimited', () => {
    expect(workerShare({ maxConcurrency: null, maxRps: null }, { index: 1, count: 2 })).toEqual({ maxConcurrency: null, maxRps: null });
  });
});
