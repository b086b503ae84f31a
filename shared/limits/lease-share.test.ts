import { describe, expect, it } from 'vitest';
import { concurrencyOvershootBound, fairTargets, fallbackShare, grantClaim, type LeaseRow } from './lease-share.ts';

const rows = (...wants: number[]): LeaseRow[] => wants.map((want, i) => ({ proxyId: `p${i}`, claim: 0, want }));

describe('fairTargets', () => {
  it.each<[string, number, LeaseRow[], boolean, number[]]>([
    ['alone takes everything', 10, rows(1), true, [10]],
    ['two idle split evenly', 4, rows(1, 1), true, [2, 2]],
    ['busy one gets what the idle one leaves', 4, rows(5, 1), true, [3, 1]],
    ['both busy split evenly', 4, rows(9, 9), true, [2, 2]],
    ['odd limit: one proxy gets the odd slot', 5, rows(9, 9), true, [2, 3]],
    ['three, one small', 10, rows(2, 20, 20), true, [2, 4, 4]],
    ['rates are not rounded', 3, rows(5, 5), false, [1.5, 1.5]],
    ['spare rate split', 10, rows(1, 1), false, [5, 5]],
    ['limit smaller than proxies', 1, rows(3, 3), true, [0, 1]],
  ])('%s', (_name, limit, r, integer, expected) => {
    const t = fairTargets(limit, r, integer);
    expect(r.map((x) => t.get(x.proxyId))).toEqual(expected);
    expect([...t.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(limit + 1e-9);
  });
});

describe('grantClaim', () => {
  it.each<[string, number, number, number, number]>([
    // limit, othersHeld (Σ max(claim, in flight)), target → claim
    ['target fits', 10, 4, 6, 6],
    ['cut to what is free', 10, 8, 6, 2],
    // A busy proxy whose fair target fell gives share back even with more in flight: it admits
    // nothing new until its requests end (it used to keep max(inUse, …) and starve its peer).
    ['target below own in-flight: the claim follows the target', 4, 0, 2, 2],
    ['nothing free', 4, 4, 2, 0],
    ['others over the limit (lapsed proxy came back)', 4, 6, 2, 0],
  ])('%s', (_name, limit, others, target, expected) => {
    expect(grantClaim(limit, others, target)).toBe(expected);
  });
});

describe('fallbackShare and the overshoot bound', () => {
  it.each<[number, number, boolean, number]>([
    [4, 2, true, 2],
    [5, 2, true, 2],
    [1, 3, true, 1], // never zero
    [4, 0, true, 4], // saw nobody: itself
    [10, 4, false, 2.5],
    [0.5, 4, false, 0.5], // never more than the limit
  ])('limit %d over %d proxies → %d', (limit, n, integer, expected) => {
    expect(fallbackShare(limit, n, integer)).toBe(expected);
  });

  it.each<[number, number, number, number]>([
    [4, 2, 0, 0],
    [4, 2, 1, 2],
    [4, 2, 2, 4],
    [10, 3, 1, 3],
  ])('limit %d, %d proxies, %d cut off → at most %d over', (limit, n, cut, bound) => {
    expect(concurrencyOvershootBound(limit, n, cut)).toBe(bound);
  });
});
