import { describe, expect, it } from 'vitest';
import { FIXED_OVERHEAD_MS, estimateRttMs, rttMsForKm } from './rtt-model.ts';

describe('rtt model', () => {
  it('costs only the fixed overhead at zero distance', () => {
    expect(rttMsForKm(0)).toBe(FIXED_OVERHEAD_MS);
  });

  it.each<[string, number, number, number]>([
    // [path, km, lowest plausible observed RTT, highest]
    ['London–New York', 5570, 65, 95],
    ['Frankfurt–Singapore', 10_260, 130, 175],
    ['Dublin–Frankfurt', 1090, 12, 30],
  ])('%s lands within observed RTTs', (_name, km, lo, hi) => {
    const ms = rttMsForKm(km);
    expect(ms).toBeGreaterThanOrEqual(lo);
    expect(ms).toBeLessThanOrEqual(hi);
  });

  it('grows with distance', () => {
    const here = { lat: 50, lon: 8 };
    expect(estimateRttMs(here, { lat: 51, lon: 0 })).toBeLessThan(
      estimateRttMs(here, { lat: 40, lon: -74 }),
    );
  });
});
