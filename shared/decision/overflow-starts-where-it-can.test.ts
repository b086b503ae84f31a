import { describe, expect, it } from 'vitest';
import type { AppSnapshot, ClusterAppState } from '../domain/types.ts';
import { decide } from './decide.ts';
import { cluster, context, policy, request, snapshot, state } from './test-fixtures.ts';
import type { Decision } from './types.ts';

// When every cluster is at its share-of-room cap (`share-of-room.ts`), what is left will queue
// wherever it goes and make that cluster start replicas. It goes where a replica starts soonest:
// the nearest unpinned warm headroom, then cold; never onto start-up slots an app with fewer
// homes needs there (`pinnedStartSlots`). The client is in Frankfurt (colo FRA); state 1 s old.
// Both EU clusters are full with a queue; the far one still shows a little room, so before this
// rule all of FRA's excess went there (in proportion to the capped shares), to queue far away.

const NEAR = cluster('near', 'eu-central');
const MID = cluster('mid', 'eu-west');
const FAR = cluster('far', 'us-east');

const FULL = { hotFree: 0, hotBusy: 10, queued: 5, warm: 16, cold: 32, inflowByOrigin: { FRA: 1, AMS: 2 } };

function snap(near: Partial<ClusterAppState>, mid: Partial<ClusterAppState>): AppSnapshot {
  return snapshot({
    clusters: [NEAR, MID, FAR],
    states: [
      state('near', { ...FULL, ...near }),
      state('mid', { ...FULL, ...mid }),
      state('far', { hotFree: 5, hotBusy: 10, queued: 0, warm: 16, cold: 32, inflowByOrigin: { FRA: 1, AMS: 9 } }),
    ],
  });
}

function prob(d: Decision, id: string): number {
  return d.candidates.find((c) => c.clusterId === id)?.probability ?? NaN;
}

describe('overflow beyond every cap starts where it can start soonest', () => {
  it.each([
    { name: 'warm headroom nearby: the nearest cluster takes it', near: {}, mid: {}, most: 'near' },
    { name: "the near cluster's warm slots are pinned by an app with fewer homes: the next warm one", near: { pinnedStartSlots: 16 }, mid: {}, most: 'mid' },
    // The far cluster's warm start (15 s + 90 ms) comes before a near cold one (240 s): it fills its warm headroom first.
    { name: 'no warm headroom in Europe: the far warm slots, then the nearest cold ones', near: { warm: 0 }, mid: { warm: 0 }, most: 'near' },
    { name: 'all start-up slots pinned: the next cluster that can start one', near: { pinnedStartSlots: 48 }, mid: { warm: 0 }, most: 'mid' },
    { name: 'no start-up headroom anywhere: in proportion to the capped shares, as before', near: { warm: 0, cold: 0 }, mid: { warm: 0, cold: 0 }, most: 'far' },
  ])('$name', ({ near, mid, most }) => {
    const d = decide(request(), snap(near, mid), policy(), context());
    for (const other of ['near', 'mid', 'far']) if (other !== most) expect(prob(d, most)).toBeGreaterThan(prob(d, other));
    expect(d.candidates.reduce((a, c) => a + c.probability, 0)).toBeCloseTo(1, 9);
  });

  it('the explanation says how much went beyond the cap onto start-up headroom', () => {
    const d = decide(request(), snap({}, {}), policy(), context());
    const near = d.candidates.find((c) => c.clusterId === 'near');
    expect(near?.overflowShare).toBeGreaterThan(0.5);
    expect(near?.probability).toBeCloseTo((near?.shareCap ?? 0) + (near?.overflowShare ?? 0), 9);
    // Overflow goes only onto start-up headroom: none onto the EU clusters that have none.
    const none = decide(request(), snap({ warm: 0, cold: 0 }, { warm: 0, cold: 0 }), policy(), context());
    expect(none.candidates.filter((c) => c.clusterId !== 'far').some((c) => 'overflowShare' in c)).toBe(false);
  });
});
