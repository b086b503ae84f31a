import { describe, expect, it } from 'vitest';
import { addExact, exactValue, mergeExact, type ExactSum } from './exact-sum.ts';

function sumOf(xs: readonly number[]): number {
  const p: ExactSum = [];
  for (const x of xs) addExact(p, x);
  return exactValue(p);
}

describe('an exact sum does not depend on the order of its terms', () => {
  it.each([
    // [terms, the correctly rounded sum (as Python's math.fsum gives it)]
    [[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 1],
    [[1e16, 1, -1e16], 1],
    [[1e100, 1, -1e100, 1e-100, 1e50, -1, -1e50], 1e-100],
    [[2 ** 53, 1, 1], 2 ** 53 + 2],
    [[1, 2 ** -53, 2 ** -106], 1 + 2 ** -52], // a half-way case decided by the smallest term
    [[], 0],
  ])('%j sums to %d, forwards, backwards and split in two', (terms, expected) => {
    expect(sumOf(terms)).toBe(expected);
    expect(sumOf([...terms].reverse())).toBe(expected);
    const a: ExactSum = [];
    const b: ExactSum = [];
    terms.forEach((x, i) => addExact(i % 2 === 0 ? a : b, x));
    mergeExact(b, a);
    expect(exactValue(b)).toBe(expected);
  });

  it('a replay’s costs (many small prices × durations) give one total for any split, where a plain sum does not', () => {
    const costs = Array.from({ length: 5000 }, (_, i) => ((1.2 + (i % 7) * 0.37) * (2000 + (i % 5) * 1000)) / 3_600_000);
    const forwards = costs.reduce((s, x) => s + x, 0);
    const shuffled = costs.map((x, i) => [x, (i * 7919) % 5000] as const).sort((p, q) => p[1] - q[1]).map(([x]) => x);
    // The plain sums differ in their last bits: why the report cannot add thread totals naively.
    expect(shuffled.reduce((s, x) => s + x, 0)).not.toBe(forwards);
    expect(sumOf(shuffled)).toBe(sumOf(costs));
  });

  it('a term that is not finite makes the sum that value, as a plain sum would', () => {
    expect(sumOf([1, Infinity, 2])).toBe(Infinity);
    expect(sumOf([Infinity, -Infinity])).toBeNaN();
  });
});
