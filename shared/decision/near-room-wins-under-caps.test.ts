import { describe, expect, it } from 'vitest';
import type { AppSnapshot, ClusterAppState } from '../domain/types.ts';
import { decide } from './decide.ts';
import { NOW, cluster, context, policy, request, snapshot, state } from './test-fixtures.ts';
import type { Decision } from './types.ts';

// The nearest cluster with free loaded slots keeps more of the requests of the clients near it
// unless the alternative is really better (`softmax-pick.ts`, CAPPED_TEMPERATURE_SHARE). The client is
// in Frankfurt (colo FRA): eu-central is next door, eu-north some 20 ms away. State is 4 s old,
// as deciders usually read it. The share-of-room caps hold FRA once it has inflow on a row.

const NEAR = cluster('near', 'eu-central');
const FAR = cluster('far', 'eu-north');

function prob(d: Decision, id: string): number {
  return d.candidates.find((c) => c.clusterId === id)?.probability ?? NaN;
}

function snap(near: Partial<ClusterAppState>, far: Partial<ClusterAppState>): AppSnapshot {
  const row = { warm: 8, cold: 16, pricePerHour: 3, observedAt: NOW - 4000 };
  return snapshot({ clusters: [NEAR, FAR], states: [state('near', { ...row, ...near }), state('far', { ...row, ...far })] });
}

// Both half busy (the same marginal price, no queue expected); far has 3× the free slots.
const NEAR_ROOM = { hotFree: 20, hotBusy: 20 };
const FAR_ROOM = { hotFree: 60, hotBusy: 60 };
const FRA_ON_BOTH = { near: { FRA: 2 }, far: { FRA: 0.5 } };

describe('the nearest cluster with room wins under share-of-room caps', () => {
  it.each([
    {
      // Before: the full spread (20 ms widened by age to 25 ms) left the near cluster 0.52 of
      // its clients' traffic although it had room; at 15 ms it keeps 0.62 (the far one still
      // gets some: it has 3× the free slots).
      name: 'same price: the near cluster with free slots keeps most of its clients',
      near: { ...NEAR_ROOM, inflowByOrigin: FRA_ON_BOTH.near },
      far: { ...FAR_ROOM, inflowByOrigin: FRA_ON_BOTH.far },
      min: 0.6,
      max: 0.7,
    },
    {
      // Money against time is a legitimate reason: half busy at $6/h against $2.5/h is +$1.75/h
      // marginal = 35 ms at $0.05/h per ms, more than the 20 ms farther.
      name: 'the far cluster much cheaper at the margin: it wins',
      near: { ...NEAR_ROOM, pricePerHour: 6, inflowByOrigin: FRA_ON_BOTH.near },
      far: { ...FAR_ROOM, pricePerHour: 2.5, inflowByOrigin: FRA_ON_BOTH.far },
      min: 0,
      max: 0.2,
    },
    {
      // No inflow for FRA anywhere (a decider with no history): no cap holds off a herd, so the
      // spread stays as wide as before and the idle cluster takes a large share.
      name: 'no caps for this origin: the full spread stays',
      near: { ...NEAR_ROOM },
      far: { ...FAR_ROOM },
      min: 0.3,
      max: 0.7,
    },
  ])('$name', ({ near, far, min, max }) => {
    const d = decide(request(), snap(near, far), policy(), context());
    const p = prob(d, 'near');
    expect(p).toBeGreaterThanOrEqual(min);
    expect(p).toBeLessThanOrEqual(max);
  });
});
