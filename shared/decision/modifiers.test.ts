import { describe, expect, it } from 'vitest';
import {
  costContext,
  costModifier,
  latencyModifier,
  localityModifier,
  stalenessModifier,
  staticWeightModifier,
} from './modifiers.ts';
import { NOW, policy } from './test-fixtures.ts';

const P = policy({
  latencyHalfMs: 100,
  weights: { latency: 1, cost: 1, locality: 0.5 },
  costFadeUtilization: 0.8,
});

describe('latencyModifier', () => {
  it.each<[string, Parameters<typeof latencyModifier>[0], number, string]>([
    ['zero latency', { ms: 0, source: 'geo' }, 1, 'est. 0 ms (geo model)'],
    ['half at latencyHalfMs', { ms: 100, source: 'geo' }, 0.5, 'est. 100 ms (geo model)'],
    ['a third at 2× half', { ms: 200, source: 'rtt' }, 1 / 3, 'est. 200 ms (geo + measured proxy RTT)'],
    ['neutral without estimate', null, 1, 'client location unknown: neutral'],
  ])('%s', (_name, est, factor, detail) => {
    const m = latencyModifier(est, P);
    expect(m.factor).toBeCloseTo(factor, 9);
    expect(m.detail).toBe(detail);
  });

  it('weight is an exponent; 0 ignores latency', () => {
    expect(
      latencyModifier(
        { ms: 100, source: 'geo' },
        policy({ ...P, weights: { ...P.weights, latency: 2 } }),
      ).factor,
    ).toBeCloseTo(0.25, 9);
    expect(
      latencyModifier(
        { ms: 900, source: 'geo' },
        policy({ ...P, weights: { ...P.weights, latency: 0 } }),
      ).factor,
    ).toBe(1);
  });
});

describe('costModifier', () => {
  it.each<[string, number, number, number, number]>([
    // [name, price, cheapest, utilisation, factor]
    ['cheapest gets 1', 2, 2, 0, 1],
    ['twice the price at idle gets half', 4, 2, 0, 0.5],
    ['fades with utilisation', 4, 2, 0.4, Math.pow(0.5, 0.5)],
    ['no influence at the fade point', 4, 2, 0.8, 1],
    ['no influence beyond it', 4, 2, 0.95, 1],
    ['unpriced counts as cheapest', 0, 2, 0, 1],
  ])('%s', (_name, price, cheapest, util, factor) => {
    const m = costModifier(price, costContext(cheapest, util, P), P);
    expect(m.name).toBe('cost');
    expect(m.factor).toBeCloseTo(factor, 9);
    expect(m.detail).toBe(
      `$${price}/h vs cheapest $${cheapest}/h; utilisation ${util * 100}% → influence ${Math.round(Math.max(0, 1 - util / 0.8) * 100) / 100}`,
    );
  });
});

describe('localityModifier', () => {
  it.each<[string, number | null, number]>([
    ['never served', null, 1],
    ['just served', NOW, 1.5],
    ['half the window ago', NOW - 300_000, 1.25],
    ['outside the window', NOW - 600_001, 1],
  ])('%s', (_name, lastServedAt, factor) => {
    expect(localityModifier(lastServedAt, NOW, P).factor).toBeCloseTo(factor, 9);
  });
});

describe('stalenessModifier', () => {
  it.each<[string, number, number]>([
    ['fresh', 0, 1],
    ['at the soft limit', 15_000, 1],
    ['halfway to hard', 67_500, 0.6],
    ['at the hard limit', 120_000, 0.2],
  ])('%s', (_name, age, factor) => {
    expect(stalenessModifier(age, P).factor).toBeCloseTo(factor, 9);
  });
});

describe('staticWeightModifier', () => {
  it('passes the configured weight through', () => {
    expect(staticWeightModifier(0.1)).toEqual({
      name: 'static-weight',
      factor: 0.1,
      detail: 'configured 0.1',
    });
    expect(staticWeightModifier(1).factor).toBe(1);
  });
});
