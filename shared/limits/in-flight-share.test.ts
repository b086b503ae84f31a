import { describe, expect, it } from 'vitest';
import { defaultMaxInFlight, fairShareVerdict, inFlightLimits, type ShareVerdict } from './in-flight-share.ts';

describe('inFlightLimits', () => {
  it.each<[number, number]>([
    [40, 36],
    [1, 0],
    [9_900, 9_644],
    [2_000, 1_800],
    [100_000, 99_744],
  ])('budget %i → high-water %i', (budget, highWater) => {
    expect(inFlightLimits(budget)).toEqual({ budget, highWater });
  });
});

describe('fairShareVerdict (budget 40, high-water 36)', () => {
  const l = inFlightLimits(40);
  it.each<[string, number, number, number, ShareVerdict]>([
    ['below high-water: even a flooding app', 35, 35, 1, 'admit'],
    ['a lone app at high-water is refused (headroom kept for the next app)', 36, 36, 1, 'over-share'],
    ['a newcomer past high-water gets in', 36, 0, 1, 'admit'],
    ['a quiet app under its share gets in', 38, 3, 2, 'admit'],
    ['the flood past high-water stays refused', 38, 35, 2, 'over-share'],
    ['at the budget everyone is refused, even a newcomer', 40, 0, 2, 'full'],
    ['above the budget (lowered at runtime) too', 41, 1, 2, 'full'],
    ['equal share among four: 10 each', 37, 9, 4, 'admit'],
    ['equal share among four: the 11th is refused', 37, 10, 4, 'over-share'],
    ['share counts the newcomer: 40 ÷ 5 = 8', 37, 0, 4, 'admit'],
  ])('%s', (_name, total, appHolds, appsHolding, verdict) => {
    expect(fairShareVerdict(l, total, appHolds, appsHolding)).toBe(verdict);
  });

  it('a budget of 1 admits one request and then refuses', () => {
    const one = inFlightLimits(1);
    expect(fairShareVerdict(one, 0, 0, 0)).toBe('admit');
    expect(fairShareVerdict(one, 1, 1, 1)).toBe('full');
  });
});

describe('defaultMaxInFlight', () => {
  it.each<[number, number]>([
    // The dev VM and production: bench/proxy-stream-hold.ts holds 9,500 streams of one app.
    [20_000, 9_900],
    [1_024, 412],
    [65_536, 32_440],
    [1_048_576, 519_045],
    [100, 1],
  ])('open-file limit %i → %i', (limit, budget) => {
    expect(defaultMaxInFlight(limit)).toBe(budget);
  });

  it('a lone app under a 20,000 limit may hold 9,500 streams', () => {
    expect(inFlightLimits(defaultMaxInFlight(20_000)).highWater).toBeGreaterThanOrEqual(9_500);
  });
});
