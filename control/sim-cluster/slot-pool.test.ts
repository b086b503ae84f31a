import { describe, expect, it } from 'vitest';
import { SlotPool, type Release } from './slot-pool.ts';

const never = new AbortController().signal;

function granted(pool: SlotPool): Release {
  const a = pool.acquire(never);
  if (a.kind !== 'granted') throw new Error(`expected granted, got ${a.kind}`);
  return a.release;
}

describe('SlotPool', () => {
  it.each([
    // slots, queue, requests → kinds
    [1, 0, ['granted', 'full', 'full']],
    [2, 0, ['granted', 'granted', 'full']],
    [1, 2, ['granted', 'queued', 'queued', 'full']],
  ] as const)('%i slots, queue %i', (slots, queue, kinds) => {
    const pool = new SlotPool(slots, queue);
    expect(kinds.map(() => pool.acquire(never).kind)).toEqual(kinds);
  });

  it('release hands the slot to the oldest waiter without dipping running', async () => {
    const pool = new SlotPool(1, 2);
    const release = granted(pool);
    const a = pool.acquire(never);
    const b = pool.acquire(never);
    expect([pool.running, pool.waiting]).toEqual([1, 2]);
    release();
    release(); // idempotent
    expect([pool.running, pool.waiting]).toEqual([1, 1]);
    if (a.kind !== 'queued' || b.kind !== 'queued') throw new Error('expected queued');
    (await a.ready)();
    (await b.ready)();
    expect([pool.running, pool.waiting]).toEqual([0, 0]);
  });

  it('an aborted waiter leaves the queue and rejects', async () => {
    const pool = new SlotPool(1, 1);
    granted(pool);
    const controller = new AbortController();
    const q = pool.acquire(controller.signal);
    if (q.kind !== 'queued') throw new Error('expected queued');
    controller.abort(new Error('gone'));
    await expect(q.ready).rejects.toThrow('gone');
    expect(pool.waiting).toBe(0);
  });
});
