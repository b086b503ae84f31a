import { describe, expect, it } from 'vitest';
import { WriteBuffer, backoffDelay } from './write-buffer.ts';

const opts = { max: 5, batch: 2, baseBackoffMs: 100, maxBackoffMs: 1_000 };

describe('backoffDelay', () => {
  it.each([
    [1, 0, 50],
    [1, 1, 100],
    [2, 1, 200],
    [3, 0.5, 300],
    [10, 1, 1_000],
    [1_000, 0, 500],
  ])('after %i failures with random %f → %i ms', (failures, random, ms) => {
    expect(backoffDelay(failures, opts, random)).toBe(ms);
  });
});

describe('WriteBuffer', () => {
  it('drops new records beyond max and counts them', () => {
    const b = new WriteBuffer<number>(opts);
    const kept = [1, 2, 3, 4, 5, 6, 7].map((n) => b.push(n));
    expect(kept).toEqual([true, true, true, true, true, false, false]);
    expect(b.stats()).toMatchObject({ buffered: 5, dropped: 2 });
  });

  it('hands out one batch at a time, never two in flight', () => {
    const b = new WriteBuffer<number>(opts);
    [1, 2, 3].forEach((n) => b.push(n));
    const first = b.begin(0);
    expect(first).toEqual([1, 2]);
    expect(b.begin(0)).toBeNull();
    b.succeeded(first ?? []);
    expect(b.begin(0)).toEqual([3]);
  });

  it('after a failure keeps the records (bounded, counted) and waits out a jittered backoff', () => {
    const b = new WriteBuffer<number>(opts);
    [1, 2, 3, 4, 5].forEach((n) => b.push(n));
    const rows = b.begin(1_000) ?? [];
    b.push(6);
    b.push(7); // buffer holds 3,4,5,6,7 while 1,2 are in flight
    expect(b.failed(rows, 1_000, 1)).toBe(100);
    expect(b.stats()).toMatchObject({ buffered: 5, dropped: 2, failures: 1, consecutiveFailures: 1 });
    expect(b.begin(1_050)).toBeNull();
    const again = b.begin(1_100) ?? [];
    expect(again).toEqual([1, 2]);
    expect(b.failed(again, 1_100, 1)).toBe(200);
    const third = b.begin(1_300) ?? [];
    b.succeeded(third);
    expect(b.stats()).toMatchObject({ written: 2, consecutiveFailures: 0 });
    expect(b.nextAttemptAt).toBe(0);
  });
});

describe('WriteBuffer.noteFailure', () => {
  it('backs off for a related failed write without touching the write in flight', () => {
    const b = new WriteBuffer<number>(opts);
    b.push(1);
    const rows = b.begin(0) ?? [];
    expect(b.noteFailure(0, 1)).toBe(100);
    expect(b.inFlight).toBe(true);
    b.push(2);
    expect(b.begin(500)).toBeNull(); // still one write in flight
    b.succeeded(rows);
    expect(b.begin(500)).toEqual([2]);
  });
});
