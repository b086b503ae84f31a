import { describe, expect, it } from 'vitest';
import { FairShares } from './fair-shares.ts';

/** Adds `n` items of `key` (`tenant/app`, its tenant the part before the slash); how many were let in. */
const fill = (q: FairShares, key: string, n: number): number =>
  Array.from({ length: n }).filter(() => q.tryAdd(key.split('/')[0] ?? key, key)).length;

/** `count` keys of one tenant: `t/k0`, `t/k1`, … */
const keysOf = (tenant: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${tenant}/k${i}`);

describe('FairShares', () => {
  it.each([
    // capacity, then [key, tries] in order → admitted per step
    { name: 'one key alone takes half', cap: 100, steps: [['a/x', 1_000]], admitted: [50] },
    { name: 'a tenant arriving while another is at its share still finds room', cap: 100, steps: [['a/x', 1_000], ['b/x', 1_000]], admitted: [50, 34] },
    { name: 'three tenants: the later ones get their thirds and quarters', cap: 120, steps: [['a/x', 1_000], ['b/x', 1_000], ['c/x', 1_000]], admitted: [60, 40, 20] },
    { name: 'a key within its share is never refused', cap: 100, steps: [['a/x', 10], ['b/x', 10], ['a/x', 10]], admitted: [10, 10, 10] },
    { name: 'capacity 1: the only slot goes to nobody past half', cap: 1, steps: [['a/x', 3]], admitted: [1] },
    // The share is the tenant's: a second key of a tenant at its share gets nothing more.
    { name: 'a second key of a tenant at its share is refused', cap: 100, steps: [['a/x', 1_000], ['a/y', 1_000], ['b/x', 1_000]], admitted: [50, 0, 34] },
    // Within a tenant's share its keys split it: the first key stops at its part once a sibling holds some.
    { name: 'keys of one tenant split its share', cap: 100, steps: [['a/x', 10], ['a/y', 1_000], ['a/x', 1_000]], admitted: [10, 25, 15] },
  ])('$name', ({ cap, steps, admitted }) => {
    const q = new FairShares(cap);
    expect(steps.map(([key, n]) => fill(q, key as string, n as number))).toEqual(admitted);
    expect(q.total).toBeLessThanOrEqual(cap);
  });

  it('a tenant bursting through 20 keys holds what one key would, and another tenant still finds room', () => {
    const q = new FairShares(100);
    for (let round = 0; round < 50; round++) for (const k of keysOf('flood', 20)) fill(q, k, 1);
    expect(q.heldBy('flood')).toBe(50);
    expect(fill(q, 'quiet/x', 1_000)).toBe(34);
  });

  it('items that leave make room again, for their tenant first', () => {
    const q = new FairShares(10);
    expect(fill(q, 'a/x', 20)).toBe(5);
    for (let i = 0; i < 5; i++) q.remove('a', 'a/x');
    expect(q.heldBy('a', 'a/x')).toBe(0);
    expect(q.heldBy('a')).toBe(0);
    expect(q.total).toBe(0);
    expect(fill(q, 'a/x', 20)).toBe(5);
  });

  it('canAdd answers what tryAdd would, and counts nothing', () => {
    const q = new FairShares(10);
    for (const key of ['a/x', 'a/x', 'a/y', 'b/x', 'a/x', 'c/x', 'b/x', 'a/y', 'c/x', 'c/y']) {
      const tenant = key.split('/')[0] ?? key;
      const before = [q.total, q.heldBy(tenant), q.heldBy(tenant, key)];
      const would = q.canAdd(tenant, key);
      expect([q.total, q.heldBy(tenant), q.heldBy(tenant, key)]).toEqual(before);
      expect(q.tryAdd(tenant, key)).toBe(would);
    }
    expect(q.canAdd('a', 'a/x', 100)).toBe(false);
  });

  it('never goes past capacity however many tenants arrive', () => {
    const q = new FairShares(64);
    for (let k = 0; k < 500; k++) fill(q, `t${k}/x`, 10);
    expect(q.total).toBeLessThanOrEqual(64);
  });

  it('removing what a key does not hold changes nothing', () => {
    const q = new FairShares(10);
    q.tryAdd('a', 'a/x');
    q.remove('b', 'b/x');
    q.remove('a', 'a/y');
    expect([q.total, q.heldBy('a'), q.heldBy('a', 'a/x')]).toEqual([1, 1, 1]);
  });

  it.each([
    // [capacity, tenant's adds (each an amount), what it holds after]
    [4_000, [1_000, 1_000, 1_000], 2_000],
    [4_000, [1_500, 1_000], 1_500],
    [4_000, [2_000, 1], 2_000],
    [4_000, [2_001], 0],
    [10, [1, 1, 1, 1, 1, 1], 5],
  ])('weighted: capacity %i, adds %j → holds %i (never past its share)', (capacity, adds, holds) => {
    const q = new FairShares(capacity);
    for (const n of adds) q.tryAdd('a', 'a', n);
    expect(q.heldBy('a')).toBe(holds);
  });

  it('weighted: a second tenant finds its share while the first holds its own; release is by weight', () => {
    const q = new FairShares(4_000);
    while (q.tryAdd('a', 'a', 1_000));
    expect(q.heldBy('a')).toBe(2_000);
    expect(q.tryAdd('b', 'b', 1_000)).toBe(true);
    expect(q.tryAdd('b', 'b', 1_000)).toBe(false); // a third of 4,000 each now
    q.remove('a', 'a', 1_000);
    q.remove('a', 'a', 1_000);
    q.remove('b', 'b', 1_000);
    expect([q.total, q.heldBy('a'), q.heldBy('b')]).toEqual([0, 0, 0]);
  });

  it('weighted: never past capacity', () => {
    const q = new FairShares(3_000);
    for (let t = 0; t < 50; t++) q.tryAdd(`t${t}`, `t${t}`, 700);
    expect(q.total).toBeLessThanOrEqual(3_000);
  });
});
