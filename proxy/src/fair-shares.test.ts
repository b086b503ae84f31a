import { describe, expect, it } from 'vitest';
import { FairShares } from './fair-shares.ts';

/** Adds `n` items of `key`; how many were let in. */
const fill = (q: FairShares, key: string, n: number): number => Array.from({ length: n }).filter(() => q.tryAdd(key)).length;

describe('FairShares', () => {
  it.each([
    // capacity, then [key, tries] in order → admitted per step
    { name: 'one key alone takes half', cap: 100, steps: [['a', 1_000]], admitted: [50] },
    { name: 'a key arriving while another is at its share still finds room', cap: 100, steps: [['a', 1_000], ['b', 1_000]], admitted: [50, 34] },
    { name: 'three keys: the later ones get their thirds and quarters', cap: 120, steps: [['a', 1_000], ['b', 1_000], ['c', 1_000]], admitted: [60, 40, 20] },
    { name: 'a key within its share is never refused', cap: 100, steps: [['a', 10], ['b', 10], ['a', 10]], admitted: [10, 10, 10] },
    { name: 'capacity 1: the only slot goes to nobody past half', cap: 1, steps: [['a', 3]], admitted: [1] },
  ])('$name', ({ cap, steps, admitted }) => {
    const q = new FairShares(cap);
    expect(steps.map(([key, n]) => fill(q, key as string, n as number))).toEqual(admitted);
    expect(q.total).toBeLessThanOrEqual(cap);
  });

  it('items that leave make room again, for their key first', () => {
    const q = new FairShares(10);
    expect(fill(q, 'a', 20)).toBe(5);
    for (let i = 0; i < 5; i++) q.remove('a');
    expect(q.heldBy('a')).toBe(0);
    expect(q.total).toBe(0);
    expect(fill(q, 'a', 20)).toBe(5);
  });

  it('never goes past capacity however many keys arrive', () => {
    const q = new FairShares(64);
    for (let k = 0; k < 500; k++) fill(q, `k${k}`, 10);
    expect(q.total).toBeLessThanOrEqual(64);
  });

  it('removing what a key does not hold changes nothing', () => {
    const q = new FairShares(10);
    q.tryAdd('a');
    q.remove('b');
    expect([q.total, q.heldBy('a')]).toEqual([1, 1]);
  });
});
