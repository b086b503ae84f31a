import { describe, expect, it } from 'vitest';
import { Histogram, quantileOf } from './histogram.ts';

describe('Histogram', () => {
  it.each([
    { q: 0.5, expected: 500 },
    { q: 0.95, expected: 950 },
    { q: 0.99, expected: 990 },
  ])('quantile $q of 1..1000 is within 3 % of $expected', ({ q, expected }) => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    const got = h.quantile(q) ?? 0;
    expect(Math.abs(got - expected) / expected).toBeLessThan(0.03);
  });

  it('weights counts and reports the mean', () => {
    const h = new Histogram();
    h.record(10, 3);
    h.record(1000, 1);
    expect(h.count).toBe(4);
    expect(h.mean()).toBeCloseTo(257.5);
    expect(h.quantile(0.5) ?? 0).toBeLessThan(11);
    expect(h.quantile(1) ?? 0).toBeGreaterThan(970);
  });

  it('is empty-safe', () => {
    expect(new Histogram().quantile(0.5)).toBeNull();
    expect(quantileOf([], 0.5)).toBeNull();
    expect(quantileOf([1, 2, 3, 4], 0.5)).toBe(2);
  });
});
