import { describe, expect, it } from 'vitest';
import { TokenCheckSlots } from './token-check-slots.ts';

describe("a client's token checks run a few at a time", () => {
  it('takes up to the slots at once, then queues first come first served, and hands each freed slot on', async () => {
    const slots = new TokenCheckSlots(2, 10);
    expect([slots.take('a'), slots.take('a')]).toEqual(['now', 'now']);
    const order: number[] = [];
    const third = slots.take('a');
    const fourth = slots.take('a');
    if (third === 'now' || third === 'full' || fourth === 'now' || fourth === 'full') throw new Error('the third and fourth should wait');
    void third.then(() => order.push(3));
    void fourth.then(() => order.push(4));
    // Another client is not held up by a's queue.
    expect(slots.take('b')).toBe('now');
    slots.release('a');
    await Promise.resolve();
    expect(order).toEqual([3]);
    slots.release('a');
    await Promise.resolve();
    expect(order).toEqual([3, 4]);
  });

  it.each([
    // [slots, max waiting, takes, expected results]
    [1, 0, 2, ['now', 'full']],
    [2, 1, 4, ['now', 'now', 'wait', 'full']],
    [4, 1024, 5, ['now', 'now', 'now', 'now', 'wait']],
  ])('%i slots, %i waiting at most: %i takes give %j', (n, waiting, takes, expected) => {
    const slots = new TokenCheckSlots(n, waiting);
    const got = Array.from({ length: takes }, () => {
      const r = slots.take('c');
      return typeof r === 'string' ? r : 'wait';
    });
    expect(got).toEqual(expected);
  });

  it('forgets a client once its checks are done (memory only while checks run or wait)', async () => {
    const slots = new TokenCheckSlots(1, 10);
    expect(slots.take('a')).toBe('now');
    const waiter = slots.take('a');
    expect(slots.size).toBe(1);
    slots.release('a'); // to the waiter
    await waiter;
    expect(slots.size).toBe(1);
    slots.release('a');
    expect(slots.size).toBe(0);
    slots.release('a'); // a stray release is harmless
    expect(slots.size).toBe(0);
  });
});
