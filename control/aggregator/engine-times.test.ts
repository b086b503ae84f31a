import { describe, expect, it } from 'vitest';
import { EngineTimes, increase, SERVICE_EWMA_ALPHA, type ReplicaTimes } from './engine-times.ts';

const t = (seconds: number, count: number): { seconds: number; count: number } => ({ seconds, count });
const r = (url: string, queue: [number, number] | null, run: [number, number] | null = null): ReplicaTimes => ({
  url,
  queue: queue === null ? null : t(...queue),
  run: run === null ? null : t(...run),
});

describe('increase of a histogram total between two scrapes', () => {
  it.each([
    ['grew', t(5, 10), t(2, 4), t(3, 6)],
    ['unchanged', t(2, 4), t(2, 4), t(0, 0)],
    ['no previous scrape (new replica)', t(5, 10), undefined, null],
    ['previous scrape had none', t(5, 10), null, null],
    ['went down: the engine restarted, counted from zero', t(1, 2), t(9, 40), t(1, 2)],
  ] as const)('%s', (_name, now, prev, expected) => {
    expect(increase(now, prev)).toEqual(expected);
  });
});

describe("an app's queue wait and service time over its replicas", () => {
  it('the first scrape reports nothing: totals since start-up are not recent', () => {
    expect(new EngineTimes().observe('a', [r('u1', [100, 50], [500, 50])])).toEqual({ queueWaitMs: null, serviceMs: null });
  });

  it('then the mean over the requests admitted since, summed over replicas', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u1', [0, 0], [0, 0]), r('u2', [0, 0], [0, 0])]);
    // u1: 4 requests waited 2 s in all; u2: 6 requests waited 1 s in all → 3 s ÷ 10 = 300 ms.
    // Running: 8 s over 4 and 12 s over 6 → 2,000 ms.
    expect(e.observe('a', [r('u1', [2, 4], [8, 4]), r('u2', [1, 6], [12, 6])])).toEqual({ queueWaitMs: 300, serviceMs: 2000 });
  });

  it('a scrape where nobody waited reports no queue wait, and keeps the service time', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u1', [0, 0], [0, 0])]);
    e.observe('a', [r('u1', [2, 4], [8, 4])]);
    expect(e.observe('a', [r('u1', [2, 9], [8, 4])])).toEqual({ queueWaitMs: null, serviceMs: 2000 });
  });

  it('the service time moves toward each new interval by the average weight', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u1', null, [0, 0])]);
    e.observe('a', [r('u1', null, [4, 2])]);
    expect(e.observe('a', [r('u1', null, [10, 3])]).serviceMs).toBeCloseTo(2000 + SERVICE_EWMA_ALPHA * (6000 - 2000));
  });

  it('a replica that was not scraped last time adds nothing until its next scrape', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u1', [0, 0])]);
    expect(e.observe('a', [r('u1', [1, 2]), r('u2', [900, 3])]).queueWaitMs).toBe(500);
  });

  it('apps are kept apart', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u', [0, 0])]);
    e.observe('b', [r('u', [50, 1])]);
    expect(e.observe('a', [r('u', [1, 1])]).queueWaitMs).toBe(1000);
  });

  it('an engine without the histograms (llama.cpp) reports neither', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u1', null, null)]);
    expect(e.observe('a', [r('u1', null, null)])).toEqual({ queueWaitMs: null, serviceMs: null });
  });
});
