import { describe, expect, it } from 'vitest';
import { REGROW_MS } from '../../shared/limits/replica-share.ts';
import { ReplicaShares, type ProjectLoad } from './replica-shares.ts';

const R = 'http://r1';

function fill(s: ReplicaShares, project: string, n: number, now = 0): ProjectLoad[] {
  return Array.from({ length: n }, () => s.take(R, project, now));
}

describe('ReplicaShares', () => {
  it('admits everyone at a replica whose capacity is unknown (learn, no 429 yet)', () => {
    const s = new ReplicaShares('learn');
    fill(s, 'a', 50);
    expect(s.verdict(R, 'a', 0)).toBe('admit');
  });

  it('shares a configured capacity: a lone project stops at the high-water mark, a newcomer gets in', () => {
    const s = new ReplicaShares(4);
    const a = fill(s, 'a', 3);
    expect(s.verdict(R, 'a', 0)).toBe('over-share');
    expect(s.verdict(R, 'b', 0)).toBe('admit');
    for (const h of a) s.give(h);
    expect(s.held(R, 'a')).toBe(0);
    expect(s.verdict(R, 'a', 0)).toBe('admit');
  });

  it('learns the capacity from a 429 (without the refused request) and grows it while no 429 comes', () => {
    const s = new ReplicaShares('learn');
    const held = fill(s, 'a', 5, 1_000);
    s.refusedBy(R, 1_000);
    expect(s.capacityOf(R, 1_000)).toBe(4);
    s.give(held.pop() as ProjectLoad);
    expect(s.verdict(R, 'a', 1_000)).toBe('over-share');
    expect(s.verdict(R, 'b', 1_000)).toBe('admit');
    expect(s.capacityOf(R, 1_000 + 2 * REGROW_MS)).toBe(6);
  });

  it('learns nothing when off or configured, nor from a 429 to its only request', () => {
    for (const setting of ['off', 8] as const) {
      const s = new ReplicaShares(setting);
      fill(s, 'a', 3);
      s.refusedBy(R, 0);
      expect(s.capacityOf(R, 0)).toBe(setting === 'off' ? 0 : 8);
    }
    const lone = new ReplicaShares('learn');
    fill(lone, 'a', 1);
    lone.refusedBy(R, 0);
    expect(lone.capacityOf(R, 0)).toBe(0);
  });

  it('learns the capacity of an engine that queues from the running count a scrape saw while it queued', () => {
    const s = new ReplicaShares('learn');
    fill(s, 'a', 6, 1_000);
    s.queuedAt(R, 4, 1_000);
    expect(s.capacityOf(R, 1_000)).toBe(4);
    expect(s.verdict(R, 'a', 1_000)).toBe('over-share');
    expect(s.verdict(R, 'b', 1_000)).toBe('admit');
    // Nothing held there yet: the capacity is kept for when there is.
    const fresh = new ReplicaShares('learn');
    fresh.queuedAt(R, 8, 0);
    expect(fresh.capacityOf(R, 0)).toBe(8);
    for (const setting of ['off', 3] as const) {
      const t = new ReplicaShares(setting);
      t.queuedAt(R, 8, 0);
      expect(t.capacityOf(R, 0)).toBe(setting === 'off' ? 0 : 3);
    }
  });

  it('counts a project as holding only while it holds a request there', () => {
    const s = new ReplicaShares(4);
    const b = s.take(R, 'b', 0);
    s.give(b);
    fill(s, 'a', 3);
    // b's idle entry is kept (no allocation per request) but not counted: a is still alone.
    expect(s.verdict(R, 'a', 0)).toBe('over-share');
    fill(s, 'b', 1);
    // Two projects now: a's share is 2, and it holds 3.
    expect(s.verdict(R, 'a', 0)).toBe('over-share');
    expect(s.verdict(R, 'b', 0)).toBe('admit');
  });

  // The other proxies' holds (replica-hold-sync.ts) count as if held here: a flood spread over
  // two proxies gets one share of the engine, not one per proxy.
  it.each([
    // [what, this proxy's holds by project, peers' holds, project asking, verdict]
    ['the peers hold the high-water mark for a: a is over its share here too', {}, [['a', 3]], 'a', 'over-share'],
    ['the same, asked for b: b is within its share', {}, [['a', 3]], 'b', 'admit'],
    ['a holds 1 here and 2 at a peer: over its share', { a: 1 }, [['a', 2]], 'a', 'over-share'],
    ['a holds 2 at a peer, below the high-water mark in all', {}, [['a', 2]], 'a', 'admit'],
    ['b holds 2 here, a 2 at a peer: both at their share of 2', { b: 2 }, [['a', 2]], 'b', 'over-share'],
    ['a peer holds 1 for a, b holds 2 here: a is within its 2 of 4', { b: 2 }, [['a', 1]], 'a', 'admit'],
    ['two peers hold 1 each for a (summed), b holds 1 here: a is at its 2 of 4', { b: 1 }, [['a', 1], ['a', 1]], 'a', 'over-share'],
  ] as const)('%s', (_what, own, peers, asking, verdict) => {
    const s = new ReplicaShares(4);
    for (const [project, n] of Object.entries(own)) fill(s, project, n);
    s.usePeers(peers.map(([project, holds]) => ({ url: R, project, holds })));
    expect(s.verdict(R, asking, 0)).toBe(verdict);
  });

  it('publishes its holds at shared replicas only, and forgets the peers when told none', () => {
    const s = new ReplicaShares(4);
    fill(s, 'a', 2);
    s.take('http://r2', 'b', 0);
    const released = s.take(R, 'c', 0);
    s.give(released);
    expect(s.published((url) => url === R)).toEqual([{ url: R, project: 'a', holds: 2 }]);
    s.usePeers([{ url: R, project: 'a', holds: 1 }]);
    expect(s.verdict(R, 'a', 0)).toBe('over-share');
    s.usePeers([]);
    expect(s.verdict(R, 'a', 0)).toBe('admit');
  });

  it("learns an engine's capacity from a 429 with the peers' holds counted", () => {
    const s = new ReplicaShares('learn');
    fill(s, 'a', 2);
    s.usePeers([{ url: R, project: 'b', holds: 4 }]);
    s.refusedBy(R, 0);
    expect(s.capacityOf(R, 0)).toBe(5);
  });
});
