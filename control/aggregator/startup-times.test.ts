import { describe, expect, it } from 'vitest';
import type { ReplicaMetrics } from './parse-metrics.ts';
import { addStartSample, advanceStart, classifyStart, NO_ESTIMATE, NO_START, readinessOf, type Readiness, type StartEstimate } from './startup-times.ts';
import type { ReplicaObservation } from './summarize-app.ts';

const defaults = { warmStartMs: 10_000, coldStartMs: 250_000 }; // split at 50 000 ms
const metrics = (running: number, waiting: number, modelLoaded: boolean | null): ReplicaMetrics => ({ running, waiting, cacheUsage: null, modelLoaded, queueTime: null, runTime: null });
const obs = (healthy: boolean, m: ReplicaMetrics | null): ReplicaObservation => ({ url: 'u', healthy, metrics: m, problem: null });

describe('readinessOf', () => {
  it.each<[string, ReplicaObservation, Readiness]>([
    ['vLLM serving (no loaded gauge)', obs(true, metrics(0, 0, null)), 'ready'],
    ['sim loaded', obs(true, metrics(1, 0, true)), 'ready'],
    ['refused or timed out', obs(false, null), 'down'],
    ['health 503', obs(false, metrics(0, 0, null)), 'down'],
    ['metrics unreadable', obs(true, null), 'down'],
    ['loading its model for a waiting request', obs(true, metrics(1, 0, false)), 'starting'],
    ['loading with only queued requests', obs(true, metrics(0, 2, false)), 'starting'],
    ['scaled to zero, nothing waiting', obs(true, metrics(0, 0, false)), 'idle'],
  ])('%s → %s', (_name, o, expected) => {
    expect(readinessOf(o)).toBe(expected);
  });
});

describe('advanceStart', () => {
  // Each row: the readiness seen at t = 0, 1000, 2000, …; the samples that come out.
  it.each<[string, Readiness[], (number | null)[]]>([
    ['ready from the first scrape: nothing to time', ['ready', 'ready'], [null, null]],
    ['starting for three scrapes, then ready', ['starting', 'starting', 'starting', 'ready'], [null, null, null, 3000]],
    ['two start-ups are timed separately', ['starting', 'ready', 'ready', 'starting', 'ready'], [null, 1000, null, null, 1000]],
    ['scaled to zero then woken: timed from the wake', ['ready', 'idle', 'idle', 'starting', 'ready'], [null, null, null, null, 1000]],
    ['a start-up that goes idle is abandoned', ['starting', 'idle', 'ready'], [null, null, null]],
    ['not answering for three scrapes, then ready', ['down', 'down', 'down', 'ready'], [null, null, null, 3000]],
    ['one missed scrape between ready ones is not a start-up', ['ready', 'down', 'ready'], [null, null, null]],
    ['one missed scrape at the first look is not a start-up either', ['down', 'ready'], [null, null]],
    ['a missed scrape then loading: a start-up from the first silence', ['ready', 'down', 'starting', 'ready'], [null, null, null, 2000]],
  ])('%s', (_name, seq, expected) => {
    let s = NO_START;
    const samples = seq.map((r, i) => {
      const { next, sampleMs } = advanceStart(s, r, i * 1000);
      s = next;
      return sampleMs;
    });
    expect(samples).toEqual(expected);
  });
});

describe('classifyStart', () => {
  it.each([
    [500, 'warm'],
    [20_000, 'warm'],
    [49_999, 'warm'],
    [50_000, 'cold'],
    [400_000, 'cold'],
  ])('%d ms is a %s start', (ms, tier) => {
    expect(classifyStart(ms, defaults)).toBe(tier);
  });
});

describe('addStartSample', () => {
  it.each<[string, StartEstimate, number, StartEstimate]>([
    ['the first warm sample replaces the default', NO_ESTIMATE, 12_000, { warmStartMs: 12_000, coldStartMs: null }],
    ['the first cold sample replaces the default', NO_ESTIMATE, 180_000, { warmStartMs: null, coldStartMs: 180_000 }],
    ['later samples move the average by 30 %', { warmStartMs: 10_000, coldStartMs: null }, 20_000, { warmStartMs: 13_000, coldStartMs: null }],
    ['a cold sample leaves the warm average alone', { warmStartMs: 10_000, coldStartMs: 200_000 }, 300_000, { warmStartMs: 10_000, coldStartMs: 230_000 }],
    ['an outage (> 4 × the cold default) is no start-up', { warmStartMs: 10_000, coldStartMs: 200_000 }, 1_000_001, { warmStartMs: 10_000, coldStartMs: 200_000 }],
    ['a negative duration (clock step) is dropped', NO_ESTIMATE, -5, NO_ESTIMATE],
  ])('%s', (_name, est, sample, expected) => {
    expect(addStartSample(est, sample, defaults)).toEqual(expected);
  });
});
