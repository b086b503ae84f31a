import { describe, expect, it } from 'vitest';
import { REQUEST_TIME_EWMA_ALPHA as A } from '../../shared/engine-metrics/request-time-average.ts';
import { EngineTimes, increase, type ReplicaTimes } from './engine-times.ts';

const t = (seconds: number, count: number): { seconds: number; count: number } => ({ seconds, count });
const r = (url: string, queue: [number, number] | null, run: [number, number] | null = null, e2e: [number, number] | null = null): ReplicaTimes => ({
  url,
  queue: queue === null ? null : t(...queue),
  run: run === null ? null : t(...run),
  e2e: e2e === null ? null : t(...e2e),
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

  it('then the mean over the requests counted since, summed over replicas', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u1', [0, 0], [0, 0]), r('u2', [0, 0], [0, 0])]);
    // u1: 4 requests waited 2 s in all; u2: 6 requests waited 1 s in all → 3 s ÷ 10 = 300 ms.
    // Running: 8 s over 4 and 12 s over 6 → 2,000 ms.
    expect(e.observe('a', [r('u1', [2, 4], [8, 4]), r('u2', [1, 6], [12, 6])])).toEqual({ queueWaitMs: 300, serviceMs: 2000 });
  });

  it('requests that did not wait pull the wait down; a scrape that counted none leaves both', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u1', [0, 0], [0, 0])]);
    e.observe('a', [r('u1', [2, 4], [8, 4])]); // 500 ms, 2,000 ms
    const pulled = 500 + A * (0 - 500);
    expect(e.observe('a', [r('u1', [2, 9], [8, 4])])).toEqual({ queueWaitMs: pulled, serviceMs: 2000 });
    // A jammed cluster of long generations counts nobody for a while: the wait is not forgotten.
    expect(e.observe('a', [r('u1', [2, 9], [8, 4])])).toEqual({ queueWaitMs: pulled, serviceMs: 2000 });
  });

  it('a wait that averages down below a millisecond is reported as none', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u1', [0, 0])]);
    e.observe('a', [r('u1', [0.01, 1])]); // 10 ms
    let n = 1;
    for (let i = 0; i < 8; i++) e.observe('a', [r('u1', [0.01, (n += 5)])]);
    expect(e.observe('a', [r('u1', [0.01, (n += 5)])]).queueWaitMs).toBeNull();
  });

  it('the service time moves toward each new interval by the average weight', () => {
    const e = new EngineTimes();
    e.observe('a', [r('u1', null, [0, 0])]);
    e.observe('a', [r('u1', null, [4, 2])]);
    expect(e.observe('a', [r('u1', null, [10, 3])]).serviceMs).toBeCloseTo(2000 + A * (6000 - 2000));
  });

  it('SGLang: the interval’s mean end-to-end latency less its mean wait, not the totals subtracted', () => {
    // SGLang records a wait when a request starts and its latency when it ends, so while a queue
    // builds the totals' difference falls (read before as a restart, or as a tiny running time).
    // 10 requests waited 5 s in all (500 ms each); 10 finished in 60 s end to end (6,000 ms).
    const e = new EngineTimes();
    e.observe('a', [r('u1', [0, 0], null, [0, 0])]);
    const first = e.observe('a', [r('u1', [5, 10], null, [60, 10])]); // waits 500 ms, e2e 6,000 ms
    expect(first).toEqual({ queueWaitMs: 500, serviceMs: 5500 });
  });

  it('SGLang: a burst that queues and drains reads its true running time, not 0 then the whole latency', () => {
    // Two slots, four requests at once, each running 1 s: two wait 0 s, two wait 1 s. SGLang
    // counts each wait at the start and each latency at the end; `running` is its gauge.
    const e = new EngineTimes();
    const sg = (queue: [number, number], e2e: [number, number], running: number): ReplicaTimes => ({ ...r('u1', queue, null, e2e), running });
    e.observe('a', [sg([0, 0], [0, 0], 0)]);
    e.observe('a', [sg([0, 2], [0, 0], 2)]); // the first two started
    expect(e.observe('a', [sg([2, 4], [2, 2], 2)]).serviceMs).toBeCloseTo(1000); // they ended; two more started, 1 s late
    expect(e.observe('a', [sg([2, 4], [6, 4], 0)]).serviceMs).toBeCloseTo(1000); // those ended, 2 s after arriving
  });

  it('SGLang: a request that ends is one of those running, at their wait, not at the newest start’s', () => {
    // Four slots busy with long generations (each waited 1 s); one ends after 1 s + 10 s, and the
    // request that takes its slot waited 5 s: its wait says nothing about the one that ended.
    const e = new EngineTimes();
    const sg = (queue: [number, number], e2e: [number, number], running: number): ReplicaTimes => ({ ...r('u1', queue, null, e2e), running });
    e.observe('a', [sg([0, 0], [0, 0], 0)]);
    e.observe('a', [sg([4, 4], [0, 0], 4)]);
    expect(e.observe('a', [sg([9, 5], [11, 1], 4)]).serviceMs).toBeCloseTo(10_000);
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
