import { describe, expect, it } from 'vitest';
import type { AppSnapshot, ClusterAppState, OutcomeStats } from '../domain/types.ts';
import { decide } from './decide.ts';
import { NOW, cluster, context, policy, request, snapshot, state } from './test-fixtures.ts';
import type { Decision } from './types.ts';

// A decider's share of a cluster's room under stale state (`share-of-room.ts`): the request's
// origin (its colo, FRA here) may take what it already sends plus its claim on the room nobody
// claims yet. State is 1 s old, so the horizon is 3 s; the default service time is 10 s.

const NEAR = cluster('near', 'eu-central');
const MID = cluster('mid', 'eu-west');
const FAR = cluster('far', 'us-east');

const inflow = (o: Record<string, number>): Record<string, number> => o;

function prob(d: Decision, id: string): number {
  return d.candidates.find((c) => c.clusterId === id)?.probability ?? NaN;
}

function snap(near: Partial<ClusterAppState>, far: Partial<ClusterAppState>, mid?: Partial<ClusterAppState>): AppSnapshot {
  const roomy = { hotFree: 40, hotBusy: 10, warm: 8, cold: 16 };
  return snapshot({
    clusters: mid === undefined ? [NEAR, FAR] : [NEAR, MID, FAR],
    states: [
      state('near', { ...roomy, ...near }),
      ...(mid === undefined ? [] : [state('mid', { ...roomy, ...mid })]),
      state('far', { ...roomy, ...far }),
    ],
  });
}

describe('share of room by origin', () => {
  it.each([
    {
      // Others' inflow (40 r/s × 3 s) already exceeds the near cluster's room (10): FRA sends
      // nothing there now, so it keeps its proportion of the room: none.
      name: 'room already claimed by other origins: no herd onto the free slots',
      snap: snap({ hotFree: 10, hotBusy: 0, inflowByOrigin: inflow({ AMS: 20, LHR: 20 }) }, { inflowByOrigin: inflow({ FRA: 10 }) }),
      id: 'near',
      min: 0,
      max: 0.01,
    },
    {
      // Room 30, others claim 2 × 3 = 6; FRA is half the app's traffic, so it may take half of the
      // unclaimed 24 = 12 of its 30 requests over the horizon.
      name: 'unclaimed room is split by traffic share',
      snap: snap({ hotFree: 30, hotBusy: 0, inflowByOrigin: inflow({ AMS: 2 }) }, { inflowByOrigin: inflow({ FRA: 10, AMS: 8 }) }),
      id: 'near',
      min: 0.35,
      max: 0.4 + 1e-9,
    },
    {
      // FRA is 94 % of the near cluster's inflow, so its claim is 94 % of the unclaimed room: no cap binds.
      name: 'the clients near a cluster keep it',
      snap: snap({ hotFree: 20, hotBusy: 80, inflowByOrigin: inflow({ FRA: 8, AMS: 0.5 }) }, { inflowByOrigin: inflow({ AMS: 20 }) }),
      id: 'near',
      min: 0.95,
      max: 1,
    },
    {
      name: 'no inflow in the snapshot: no cap',
      snap: snap({ hotFree: 10, hotBusy: 0 }, {}),
      id: 'near',
      min: 0.95,
      max: 1,
    },
  ])('$name', ({ snap: s, id, min, max }) => {
    const d = decide(request(), s, policy(), context());
    const p = prob(d, id);
    expect(p).toBeGreaterThanOrEqual(min);
    expect(p).toBeLessThanOrEqual(max);
    expect(d.candidates.reduce((a, c) => a + c.probability, 0)).toBeCloseTo(1, 9);
  });

  it('the explanation shows each candidate\'s cap, and none without inflow data', () => {
    const s = snap({ hotFree: 30, hotBusy: 0, inflowByOrigin: inflow({ AMS: 2 }) }, { inflowByOrigin: inflow({ FRA: 10, AMS: 8 }) });
    const d = decide(request(), s, policy(), context());
    expect(d.candidates.find((c) => c.clusterId === 'near')?.shareCap).toBeCloseTo(0.4, 9);
    const json = JSON.parse(JSON.stringify(decide(request(), snap({}, {}), policy(), context()))) as Decision;
    expect(json.candidates.every((c) => !('shareCap' in c))).toBe(true);
  });

  it('an unknown origin (no colo) is not capped', () => {
    const s = snap({ hotFree: 10, hotBusy: 0, inflowByOrigin: inflow({ AMS: 20, LHR: 20 }) }, { inflowByOrigin: inflow({ FRA: 10 }) });
    const none = request({ client: { colo: null, country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } } });
    expect(prob(decide(none, s, policy(), context()), 'near')).toBeGreaterThan(0.9);
  });

  it('the excess never goes to a cluster with replica faults', () => {
    // near is capped at 0.4 (as above); far fails half its requests; mid takes the excess.
    const s: AppSnapshot = {
      ...snap(
        { hotFree: 30, hotBusy: 0, inflowByOrigin: inflow({ AMS: 2 }) },
        { inflowByOrigin: inflow({ FRA: 5, AMS: 4 }) },
        { hotFree: 60, hotBusy: 0, inflowByOrigin: inflow({ FRA: 5, AMS: 4 }) },
      ),
      outcomes: new Map<string, OutcomeStats>([['far', { clusterId: 'far', requests: 200, replicaErrors: 100, ttfbMs: null, observedAt: NOW - 1000 }]]),
    };
    const d = decide(request(), s, policy(), context());
    const free = decide(request(), { ...s, state: new Map([...s.state].map(([k, v]) => [k, { ...v, inflowByOrigin: null }])) }, policy(), context());
    expect(prob(d, 'near')).toBeLessThanOrEqual(0.4 + 1e-9);
    expect(prob(d, 'far')).toBeLessThanOrEqual(prob(free, 'far') + 1e-12);
    expect(prob(d, 'mid')).toBeGreaterThan(prob(free, 'mid'));
  });
});
