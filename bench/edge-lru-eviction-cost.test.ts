/**
 * The edge's grouped LRU (shared/caching/lru.ts) evicts on the request path: the strategy-state cache
 * sets an entry per `<app>#<route>` and the per-key cache on each first load. Picking the victim
 * used to scan every group: with 10,000 one-entry tenants an insert cost ~74 µs (a plain LRU
 * 0.2 µs), and a client choosing new routes could make every one of its requests pay it. Here
 * because workerd's clock stands still inside synchronous code: the node project times it.
 */
import { describe, expect, it } from 'vitest';
import { projectOfAppId } from '../shared/http/request-path.ts';
import { Lru } from '../shared/caching/lru.ts';

/** Entries in both LRUs: the same memory, so the same cache behaviour, whatever the machine does. */
const ENTRIES = 20_000;

/** A full LRU of ENTRIES entries spread over `tenants` tenants, a flooding tenant inserting new keys. */
function filled(tenants: number): Lru<string, number> {
  const lru = new Lru<string, number>(ENTRIES, projectOfAppId);
  for (let i = 0; i < tenants; i++) for (let j = 0; j < ENTRIES / tenants; j++) lru.set(`t${i}/app#${j}`, 1);
  for (let i = 0; i < 2_000; i++) lru.set(`flood/app#r${i}`, 1); // warm-up
  return lru;
}

/** µs per set over one round of `n` of the flood's inserts. */
function roundUs(lru: Lru<string, number>, round: number, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) lru.set(`flood/app#r${(round * n + i) % 5_000}`, 1);
  return ((performance.now() - t0) / n) * 1000;
}

describe('the edge LRU with tenant groups', () => {
  it('costs the same per eviction with 20,000 tenants as with 1,000 (no scan of every group)', () => {
    // The same 20,000 entries in 1,000 tenants of 20 and in 20,000 tenants of one. With one LRU
    // 20× the other's size, a loaded machine (another core's work sharing the caches) slowed the
    // larger one's every round: 7.9× with no scan, beside three busy loops. Rounds alternate
    // between the two, short, and each size keeps its least disturbed one (a busy round only ever
    // adds time): ~1× idle and under load alike.
    const few = filled(1_000);
    const many = filled(20_000);
    const fewUs: number[] = [];
    const manyUs: number[] = [];
    for (let round = 0; round < 30; round++) {
      fewUs.push(roundUs(few, round, 2_000));
      manyUs.push(roundUs(many, round, 2_000));
    }
    // A scan of every group makes this ~13–22× (idle and loaded); constant work ~1×.
    expect(Math.min(...manyUs) / Math.min(...fewUs)).toBeLessThan(8);
  });
});
