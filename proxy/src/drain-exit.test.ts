import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { drainThenExit } from './drain-exit.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function run(drain: () => Promise<unknown>) {
  const exits: number[] = [];
  const overruns: number[] = [];
  const failures: unknown[] = [];
  let after = 0;
  drainThenExit({ drain, deadlineMs: 30_000, overrunMs: 10_000, exit: (c) => exits.push(c), onOverrun: (ms) => overruns.push(ms), onFailed: (e) => failures.push(e), after: () => (after += 1) });
  return { exits, overruns, failures, after: () => after };
}

it('exits 0 after a drain that settles, and never again at the deadline', async () => {
  const r = run(() => new Promise((resolve) => setTimeout(resolve, 5_000)));
  await vi.advanceTimersByTimeAsync(5_000);
  expect(r.exits).toEqual([0]);
  expect(r.after()).toBe(1);
  await vi.advanceTimersByTimeAsync(60_000);
  expect(r.exits).toEqual([0]);
  expect(r.overruns).toEqual([]);
});

it('exits 1 when the drain fails', async () => {
  const r = run(() => Promise.reject(new Error('store gone')));
  await vi.advanceTimersByTimeAsync(0);
  expect(r.exits).toEqual([1]);
  expect(String(r.failures[0])).toContain('store gone');
});

it('a drain that never settles: the process exits 1 past its deadline, saying so', async () => {
  const r = run(() => new Promise(() => undefined));
  await vi.advanceTimersByTimeAsync(39_999);
  expect(r.exits).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(r.exits).toEqual([1]);
  expect(r.overruns).toEqual([40_000]);
  expect(r.after()).toBe(0);
});
