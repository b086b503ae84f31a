import { describe, expect, it } from 'vitest';
import type { OutcomeStats } from '../domain/types.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { standbyShareOf, temperatureMs } from './softmax-pick.ts';
import {
  ageStep,
  busyShare,
  marginalPrice,
  expectedPositive,
  failureRiskTerm,
  networkTerm,
  priceTerm,
  queueTerm,
  queueTermMs,
  startupTerm,
  uncertaintyTerm,
} from './ttft-terms.ts';

const T = DEFAULT_POLICY.ttft;
const NOW = 1_000_000;

describe('networkTerm', () => {
  it.each([
    [null, 0, /unknown/],
    [12.4, 12.4, /12 ms round trip \(geo model\)/],
  ])('%s ms → %s', (ms, want, detail) => {
    const t = networkTerm(ms, 'geo model');
    expect(t.ms).toBe(want);
    expect(t.detail).toMatch(detail);
  });
});

describe('expectedPositive (E[max(0, m + σZ)])', () => {
  it.each([
    [3, 0, 3],
    [-3, 0, 0],
    [0, 1, 0.3989],
    [-10, 1, 0],
    [10, 1, 10],
  ])('m=%s σ=%s → %s', (m, s, want) => {
    expect(expectedPositive(m, s)).toBeCloseTo(want, 3);
  });
});

describe('queueTerm', () => {
  const base = { hotFree: 0, hotBusy: 0, queued: 0, warm: 0, cold: 0 };
  it.each([
    ['many free slots, fresh', { ...base, hotFree: 50, hotBusy: 50 }, 0, 0, 0.01],
    // Even fresh state is acted on for about a refresh: one free slot of 100 is a real risk.
    ['one free slot, fresh: some risk', { ...base, hotFree: 1, hotBusy: 99 }, 0, 50, 300],
    ['one free slot, 2 s old: some risk', { ...base, hotFree: 1, hotBusy: 99 }, 2000, 10, 400],
    [
      'full, 4 queued, fresh: about 5 positions × 100 ms',
      { ...base, hotBusy: 100, queued: 4 },
      0,
      500,
      600,
    ],
    [
      'full with a long queue: capped by the warm start',
      { ...base, hotBusy: 10, queued: 1000, warm: 8 },
      0,
      15_000,
      15_000,
    ],
    [
      'full, only cold nodes left: capped by the cold start',
      { ...base, hotBusy: 10, queued: 100_000, cold: 8 },
      0,
      240_000,
      240_000,
    ],
  ])('%s', (_name, s, age, lo, hi) => {
    const t = queueTerm(s, age, 10_000, 15_000, 240_000);
    expect(t.ms).toBeGreaterThanOrEqual(lo);
    expect(t.ms).toBeLessThanOrEqual(hi);
    expect(t.detail).toMatch(/slots/);
    // The scoring path's number (no detail text built) is the explanation's, to the bit.
    for (const observed of [null, 10, 1000]) expect(queueTermMs(s, age, 10_000, 15_000, 240_000, observed)).toBe(queueTerm(s, age, 10_000, 15_000, 240_000, observed).ms);
  });

  it('uses the observed wait of queued requests when slots free in bigger steps than service ÷ slots', () => {
    const s = { ...base, hotBusy: 100, queued: 4 };
    const modelled = queueTerm(s, 0, 10_000, 15_000, 240_000, null).ms;
    expect(queueTerm(s, 0, 10_000, 15_000, 240_000, 1000).ms).toBeCloseTo(modelled * 10, 6);
    expect(queueTerm(s, 0, 10_000, 15_000, 240_000, 10).ms).toBe(modelled);
  });

  it('grows with state age and with utilisation', () => {
    const s = { ...base, hotFree: 5, hotBusy: 95 };
    const at = (age: number): number => queueTerm(s, age, 10_000, 15_000, 240_000).ms;
    expect(at(1000)).toBeLessThan(at(5000));
    const fuller = queueTerm({ ...s, hotFree: 2, hotBusy: 98 }, 1000, 10_000, 15_000, 240_000).ms;
    expect(at(1000)).toBeLessThan(fuller);
  });
});

describe('startupTerm', () => {
  const base = { hotFree: 0, hotBusy: 0, queued: 0, warm: 0, cold: 0 };
  it.each([
    ['loaded replicas: none', { ...base, hotBusy: 3 }, 0, /no start-up/],
    ['warm nodes only', { ...base, warm: 8 }, 15_000, /warm start 15000 ms \(observed\)/],
    ['cold nodes only', { ...base, cold: 8 }, 240_000, /cold start 240000 ms/],
  ])('%s', (_name, s, want, detail) => {
    const t = startupTerm(s, 15_000, 240_000, { warmStart: true, coldStart: true });
    expect(t.ms).toBe(want);
    expect(t.detail).toMatch(detail);
  });
});

describe('failureRiskTerm', () => {
  const o = (requests: number, errors: number, observedAt = NOW): OutcomeStats => ({
    clusterId: 'c',
    requests,
    replicaErrors: errors,
    ttfbMs: null,
    observedAt,
  });
  it.each([
    ['no outcomes', null, 0, 0],
    ['clean', o(100, 0), 0, 0],
    ['outcomes too old', o(100, 50, NOW - 10 * 60_000), 0, 0],
    // prior 5: e = 50 / 105 = 0.476 → e/(1−e) = 0.909 × (50 + 250) = 273
    ['half failing', o(100, 50), 272, 274],
    // e = 2 / 7 = 0.286 → 0.4 × 300 = 120 (not the 100 % the raw rate says)
    ['2 errors on 2 requests: shrunk by the prior', o(2, 2), 119, 121],
    ['everything failing: rate capped at 0.95', o(10_000, 10_000), 4000, 6000],
  ])('%s', (_name, stats, lo, hi) => {
    const t = failureRiskTerm(stats, 50, NOW, T);
    expect(t.ms).toBeGreaterThanOrEqual(lo);
    expect(t.ms).toBeLessThanOrEqual(hi);
  });
});

describe('failureRiskTerm with the retry landing elsewhere', () => {
  const stats: OutcomeStats = { clusterId: 'c', requests: 100, replicaErrors: 50, ttfbMs: null, observedAt: NOW };
  it.each([
    // e/(1−e) = 0.909 × (50 + 250 + retry)
    ['no alternative known', 0, 272, 274],
    ['alternative answers in 100 ms', 100, 363, 365],
    // the alternative queues 5 s: failing half the time here costs about that too
    ['alternative queues 5 s', 5000, 4817, 4819],
  ])('%s', (_name, retry, lo, hi) => {
    const t = failureRiskTerm(stats, 50, NOW, T, retry);
    expect(t.ms).toBeGreaterThanOrEqual(lo);
    expect(t.ms).toBeLessThanOrEqual(hi);
    if (retry > 0) expect(t.detail).toMatch(/predicted for the retry elsewhere/);
  });
});

describe('priceTerm (marginal price as time)', () => {
  it.each([
    // price, busy share, cheapest marginal, $/h per ms → ms
    [2.2, 1, 2.2, 0.02, 0],
    [4.6, 1, 2.2, 0.02, 120],
    [4.6, 0.5, 0, 0.02, 115],
    [4.6, 0, 0, 0.02, 0], // idle replicas run anyway: no premium
    [4.6, 1, 2.2, 0, 0],
    [0, 1, 2.2, 0.02, 0], // unpriced capacity is never a reason to avoid a cluster
  ])('$%s/h, %s busy, vs $%s/h at $%s/h per ms → %s ms', (price, busy, cheapest, value, want) => {
    const t = priceTerm(price, busy, cheapest, value, `$${price}/h`);
    expect(t.ms).toBeCloseTo(want, 6);
    expect(t.detail).toMatch(
      /\$.*\/h × \d+% busy = \$.*\/h marginal vs cheapest \$.*\/h: \+\$.*\/h ÷ \$.*\/h per ms/,
    );
  });

  it.each([
    [{ hotFree: 5, hotBusy: 15, queued: 0, warm: 0, cold: 0 }, 0.75],
    [{ hotFree: 0, hotBusy: 0, queued: 0, warm: 8, cold: 0 }, 1],
  ])('busy share %j → %s', (s, want) => {
    expect(busyShare(s)).toBe(want);
    expect(marginalPrice(4, s)).toBe(4 * want);
  });
});

describe('uncertaintyTerm', () => {
  it.each([
    [0, 0],
    [15_000, 0],
    [67_500, 100],
    [120_000, 200],
    [500_000, 200],
  ])('age %s ms → %s ms', (age, want) => {
    expect(uncertaintyTerm(age, 15_000, 120_000, 200).ms).toBeCloseTo(want, 6);
  });
});

describe('temperature and standby share', () => {
  it.each([
    [0, 1, 10],
    [15_000, 1, 20],
    [0, 16, 20],
  ])('age %s ms, %s deciders → %s ms', (age, deciders, want) => {
    const p = { ...DEFAULT_POLICY, ttft: { ...T, temperatureMs: 10, deciders } };
    expect(temperatureMs(age, p)).toBeCloseTo(want, 6);
  });

  it.each([
    [1, 0],
    [2, T.standbyShare],
    [3, T.standbyShare],
    [4, 0],
  ])('%s eligible → standby share %s', (n, want) => {
    expect(standbyShareOf(n, DEFAULT_POLICY)).toBe(want);
  });

  it('ages are seen in steps', () => {
    expect(ageStep(1124)).toBe(1000);
    expect(ageStep(1126)).toBe(1250);
    expect(ageStep(-5)).toBe(0);
  });
});
