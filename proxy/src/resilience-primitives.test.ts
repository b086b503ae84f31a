import { describe, expect, it } from 'vitest';
import { AppLimiter } from './app-limits.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { OutlierDetector } from './outlier-detector.ts';
import { RetryBudget } from './retry-budget.ts';

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one probe through after openMs, closes on its success', () => {
    const b = new CircuitBreaker(2, 1000);
    b.failure(0);
    expect(b.allow(1)).toBe(true);
    b.failure(1);
    expect(b.current(2)).toBe('open');
    expect(b.allow(500)).toBe(false);
    expect(b.allow(1001)).toBe(true); // the probe
    expect(b.allow(1002)).toBe(false); // only one probe at a time
    b.success();
    expect(b.current(1003)).toBe('closed');
  });

  it('re-opens when the half-open probe fails', () => {
    const b = new CircuitBreaker(1, 100);
    b.failure(0);
    expect(b.allow(100)).toBe(true);
    b.failure(100);
    expect(b.allow(150)).toBe(false);
    expect(b.allow(200)).toBe(true);
  });
});

describe('OutlierDetector', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 500], // capped at max
  ])('ejection #%i lasts %i ms', (n, ms) => {
    const d = new OutlierDetector(2, 100, 500);
    let t = 0;
    for (let i = 1; i < n; i += 1) {
      d.failure('a', 'u', t);
      d.failure('a', 'u', t);
      t += 10_000;
    }
    expect(d.failure('a', 'u', t)).toBe(false);
    expect(d.failure('a', 'u', t)).toBe(true);
    expect(d.isEjected('a', 'u', t + ms - 1)).toBe(true);
    expect(d.isEjected('a', 'u', t + ms)).toBe(false);
  });

  it("ejects a replica for the failing app only: other apps sharing it keep using it", () => {
    const d = new OutlierDetector(2, 100, 500);
    d.failure('a', 'u', 0);
    expect(d.failure('a', 'u', 0)).toBe(true);
    expect(d.isEjected('a', 'u', 1)).toBe(true);
    expect(d.isEjected('b', 'u', 1)).toBe(false);
    // b's own streak is separate: one more failure of b does not eject it.
    expect(d.failure('b', 'u', 1)).toBe(false);
  });

  it('a success resets the streak', () => {
    const d = new OutlierDetector(2, 100, 500);
    d.failure('a', 'u', 0);
    d.success('a', 'u');
    expect(d.failure('a', 'u', 0)).toBe(false);
  });
});

describe('RetryBudget', () => {
  it('allows the floor plus ratio × requests per window, then refuses until the window rolls', () => {
    const b = new RetryBudget(0.2, 1, 1000);
    for (let i = 0; i < 10; i += 1) b.request(0);
    expect([b.tryRetry(1), b.tryRetry(2), b.tryRetry(3), b.tryRetry(4)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    b.request(1000);
    expect(b.tryRetry(1000)).toBe(true);
  });
});

describe('AppLimiter', () => {
  it('refuses beyond max concurrency until a slot is released', () => {
    const l = new AppLimiter(() => ({ maxConcurrency: 1, maxRps: null }));
    const a = l.acquire('x', 0);
    expect(a.ok).toBe(true);
    expect(l.acquire('x', 0)).toMatchObject({ ok: false, code: 'concurrency-limited' });
    if (a.ok) a.release();
    expect(l.acquire('x', 0).ok).toBe(true);
  });

  it('refuses beyond max rps with a Retry-After, refilling over time', () => {
    const l = new AppLimiter(() => ({ maxConcurrency: null, maxRps: 2 }));
    expect([l.acquire('x', 0).ok, l.acquire('x', 0).ok]).toEqual([true, true]);
    expect(l.acquire('x', 10)).toMatchObject({ ok: false, code: 'rate-limited', retryAfterS: 1 });
    expect(l.acquire('x', 600).ok).toBe(true);
  });

  it('charges an async submission the rate only, and its run the slot only', () => {
    const l = new AppLimiter(() => ({ maxConcurrency: 1, maxRps: 2 }));
    const run = l.acquire('x', 0);
    expect(run.ok).toBe(true);
    // Slot full: a submission still queues (rate-only), a run does not.
    expect(l.acquire('x', 0, 'rate-only').ok).toBe(true);
    expect(l.acquire('x', 0, 'slot-only')).toMatchObject({ ok: false, code: 'concurrency-limited' });
    // Rate spent: a submission is refused, a run is not charged it again.
    expect(l.acquire('x', 0, 'rate-only')).toMatchObject({ ok: false, code: 'rate-limited' });
    if (run.ok) run.release();
    expect(l.acquire('x', 0, 'slot-only').ok).toBe(true);
    expect(l.inFlight('x')).toBe(1);
  });
});
