import { describe, expect, it } from 'vitest';
import { sleepUntil } from './sleep-until.ts';

describe('sleepUntil', () => {
  it('keeps sleeping until the clock itself reaches the deadline, however early a timer ends', async () => {
    // A clock that lags the timers: each read advances by less than was slept.
    const reads = [0, 10, 30, 50, 70];
    let i = 0;
    const clock = (): number => reads[Math.min(i++, reads.length - 1)] ?? 0;
    await sleepUntil(40, clock);
    expect(i).toBe(4); // 0, 10, 30 are short of 40; 50 is not
  });

  it('returns at once for a deadline already past', async () => {
    let reads = 0;
    await sleepUntil(5, () => (reads += 1, 10));
    expect(reads).toBe(1);
  });

  it('rejects when the signal aborts', async () => {
    await expect(sleepUntil(performance.now() + 10_000, () => performance.now(), AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});
