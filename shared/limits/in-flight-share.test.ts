import { describe, expect, it } from 'vitest';
import {
  defaultMaxConnections,
  defaultMaxConnectionsPerAddress,
  defaultMaxInFlight,
  fairShareVerdict,
  inFlightLimits,
  type ShareVerdict,
} from './in-flight-share.ts';

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
  // total, projects holding, project holds, its apps holding, app holds
  it.each<[string, [number, number, number, number, number], ShareVerdict]>([
    ['below high-water: even a flooding app', [35, 1, 35, 1, 35], 'admit'],
    ['a lone app at high-water is refused (headroom kept for the next project)', [36, 1, 36, 1, 36], 'over-share'],
    ['a newcomer past high-water gets in', [36, 1, 0, 0, 0], 'admit'],
    ['a quiet project under its share gets in', [38, 2, 3, 1, 3], 'admit'],
    ['the flood past high-water stays refused', [38, 2, 35, 1, 35], 'over-share'],
    ['at the budget everyone is refused, even a newcomer', [40, 2, 0, 0, 0], 'full'],
    ['above the budget (lowered at runtime) too', [41, 2, 1, 1, 1], 'full'],
    ['equal share among four projects: 10 each', [37, 4, 9, 1, 9], 'admit'],
    ['equal share among four projects: the 11th is refused', [37, 4, 10, 1, 10], 'over-share'],
    ['share counts the newcomer: 40 ÷ 5 = 8', [37, 4, 0, 0, 0], 'admit'],
    // A tenant is a project: its many apps share its one share.
    ['a project flooding through 20 apps holds one share: its new app is refused', [37, 2, 20, 20, 0], 'over-share'],
    ['a project of 20 apps is refused where one app would be', [36, 1, 36, 20, 1], 'over-share'],
    ['another project still gets in beside a 20-app flood', [37, 2, 0, 0, 0], 'admit'],
    // Inside its project's share (20 of 40 here), an app gets an equal part of it.
    ['a lone app of its project takes the whole project share', [37, 2, 19, 1, 19], 'admit'],
    ['an app past its part of the project share is refused', [37, 2, 15, 2, 14], 'over-app-share'],
    ['its sibling under its part gets in', [37, 2, 15, 2, 1], 'admit'],
    ['a sibling new to the flood counts itself: 20 ÷ 2', [37, 2, 15, 1, 0], 'admit'],
  ])('%s', (_name, [total, projectsHolding, projectHolds, appsHolding, appHolds], verdict) => {
    expect(fairShareVerdict(l, { total, projectsHolding, projectHolds, appsHolding, appHolds })).toBe(verdict);
  });

  it('a budget of 1 admits one request and then refuses', () => {
    const one = inFlightLimits(1);
    expect(fairShareVerdict(one, { total: 0, projectsHolding: 0, projectHolds: 0, appsHolding: 0, appHolds: 0 })).toBe('admit');
    expect(fairShareVerdict(one, { total: 1, projectsHolding: 1, projectHolds: 1, appsHolding: 1, appHolds: 1 })).toBe('full');
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

describe('defaultMaxConnections', () => {
  it.each<[number, number, number]>([
    // Production: 20,000 files, the default budget of 9,900 → 200 reserve + 9,900 upstream + 9,900 clients.
    [20_000, 9_900, 9_900],
    // A small configured budget leaves its unused upstream files to client connections.
    [20_000, 40, 19_760],
    // A budget above what the limit holds is counted only up to it (the proxy logs it).
    [20_000, 50_000, 9_900],
    [1_024, 412, 412],
    [256, 28, 28],
    [100, 1, 1],
  ])('open-file limit %i, in-flight budget %i → %i', (limit, budget, ceiling) => {
    expect(defaultMaxConnections(limit, budget)).toBe(ceiling);
  });

  it('with the ceiling and the budget both full the reserve is left', () => {
    for (const limit of [1_024, 20_000, 65_536, 1_048_576]) {
      const budget = defaultMaxInFlight(limit);
      expect(defaultMaxConnections(limit, budget) + budget).toBeLessThanOrEqual(limit - 200);
    }
  });
});

describe('defaultMaxConnectionsPerAddress', () => {
  it.each<[number, number]>([
    [9_900, 2_475],
    [19_760, 4_940],
    [412, 103],
    [156, 64],
    [28, 28],
  ])('ceiling %i → %i per address', (ceiling, perAddress) => {
    expect(defaultMaxConnectionsPerAddress(ceiling)).toBe(perAddress);
  });
});
