import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppJobQueue, jobProjectCap, jobQueueCap, jobSlotKey, jobSlotLimitsOf, projectJobSlotKey } from './async-job-queue.ts';

describe('jobQueueCap: unfinished async jobs one app may have on a proxy', () => {
  it.each([
    ['set by the proxy', 10, 1, 10],
    ['maxConcurrency 1: the floor', 0, 1, 64],
    ['maxConcurrency 8: 16 per slot', 0, 8, 128],
    ['maxConcurrency 500: the ceiling', 0, 500, 1000],
    ['no concurrency limit', 0, null, 1000],
  ])('%s', (_name, configured, maxConcurrency, cap) => {
    expect(jobQueueCap(configured, maxConcurrency)).toBe(cap);
  });
});

describe("jobProjectCap: unfinished async jobs one project may have on a proxy, all its apps together", () => {
  it.each([
    // configured per project, configured per app → cap
    [0, 0, 1_000],
    [0, 5_000, 5_000],
    [0, 10, 1_000],
    [200, 0, 200],
    [200, 5_000, 200],
  ])('project %i, app %i → %i', (project, app, cap) => {
    expect(jobProjectCap(project, app)).toBe(cap);
  });
});

describe('jobSlotLimitsOf: which cap a slot key counts against', () => {
  it.each([
    [jobSlotKey('acme/chat'), 7],
    [jobSlotKey('jobs-project:x/y'), 7],
    [projectJobSlotKey('acme'), 300],
  ])('%s → %i', (key, cap) => {
    expect(jobSlotLimitsOf(key, (appId) => (appId.includes('/') ? 7 : -1), 300)).toEqual({ maxConcurrency: cap, maxRps: null, scope: 'proxy' });
  });
});

describe('AppJobQueue: waiting jobs cost nothing until a slot frees', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function line(window: number): { q: AppJobQueue; started: string[] } {
    const started: string[] = [];
    return { q: new AppJobQueue((id) => started.push(id), () => window), started };
  }

  it('starts at most the window at once and the next one when one ends', () => {
    const { q, started } = line(2);
    for (const id of ['a', 'b', 'c', 'd']) q.add(id);
    expect(started).toEqual(['a', 'b']);
    q.ended('a');
    expect(started).toEqual(['a', 'b', 'c']);
    expect(q.size).toBe(3);
  });

  it('after a refusal, one probe per delay for the whole app, not one per job', () => {
    const { q, started } = line(Number.POSITIVE_INFINITY);
    q.add('a');
    q.refused('a', 1_000);
    for (const id of ['b', 'c', 'd']) q.add(id);
    expect(started).toEqual(['a']);
    vi.advanceTimersByTime(1_000);
    expect(started).toEqual(['a', 'a']);
    q.refused('a', 1_000);
    // One probe per refusal: the next waits for this probe's answer.
    vi.advanceTimersByTime(2_000);
    expect(started).toEqual(['a', 'a', 'a']);
  });

  it('a job of the app ending wakes the line at once', () => {
    const { q, started } = line(Number.POSITIVE_INFINITY);
    q.add('a');
    q.add('b');
    q.refused('b', 60_000);
    q.add('c');
    q.ended('a');
    expect(started).toEqual(['a', 'b', 'b', 'c']);
  });

  it('with several jobs waiting, probes wait for the Retry-After, not the 1 s stale-window probe', () => {
    // Window 1: 'a' runs long; each probe is refused with Retry-After 30 s.
    const { q, started } = line(1);
    for (const id of ['a', 'b', 'c']) q.add(id);
    vi.advanceTimersByTime(1_000);
    expect(started).toEqual(['a', 'b']);
    q.refused('b', 30_000);
    vi.advanceTimersByTime(29_000);
    expect(started).toEqual(['a', 'b']);
    vi.advanceTimersByTime(1_000);
    expect(started).toEqual(['a', 'b', 'b']);
  });

  it('a probe in flight is not overtaken by the next one while the app is refused', () => {
    const { q, started } = line(Number.POSITIVE_INFINITY);
    q.add('a');
    q.refused('a', 5_000);
    q.add('b');
    q.add('c');
    vi.advanceTimersByTime(5_000);
    expect(started).toEqual(['a', 'a']);
    // The probe has not answered yet: no second probe, however long it takes.
    vi.advanceTimersByTime(60_000);
    expect(started).toEqual(['a', 'a']);
  });

  it('a job cancelled while waiting is skipped: it does not unblock a refused line', () => {
    const { q, started } = line(Number.POSITIVE_INFINITY);
    q.add('a');
    q.refused('a', 1_000);
    q.add('b');
    q.forget('b');
    q.add('c');
    vi.advanceTimersByTime(1_000);
    // The probe is 'a' (first in line); then 'c', never the cancelled 'b'.
    expect(started).toEqual(['a', 'a']);
    q.refused('a', 1_000);
    q.forget('a');
    vi.advanceTimersByTime(1_000);
    expect(started).toEqual(['a', 'a', 'c']);
    expect(q.size).toBe(1);
  });
});
