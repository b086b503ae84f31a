// A second reader's cases for the saturated-fleet rules (panic spread, 8eaad91; full clusters
// queue under ttft, 31fbf91). F1–F5 each failed on 31fbf91 (F5 on 8eaad91 too) and name what
// went wrong; the last block held throughout.
import { describe, expect, it } from 'vitest';
import type { AppSnapshot, ClusterAppState, OutcomeStats, StrategyName } from '../domain/types.ts';
import { decide } from './decide.ts';
import { NOW, cluster, context, policy, request, snapshot, state } from './test-fixtures.ts';
import type { Decision } from './types.ts';

const full = (over: Partial<ClusterAppState> = {}): Partial<ClusterAppState> => ({ hotFree: 0, hotBusy: 24, warm: 0, cold: 0, queued: 0, ...over });
const prob = (d: Decision, id: string): number => d.candidates.find((c) => c.clusterId === id)?.probability ?? NaN;
const NEAR = cluster('near', 'us-east');
const MID = cluster('mid', 'us-central');
const FAR = cluster('far', 'us-west');

describe('F1: classic strategies never read the queue term: full clusters are not admitted for them', () => {
  it.each(['round-robin', 'random', 'consistent-hash', 'weighted'] as StrategyName[])('%s: a full cluster with 200 queued next to one with 3 free slots gets nothing', (strategy) => {
    const snap = snapshot({ app: { strategy }, clusters: [NEAR, MID], states: [state('near', full({ queued: 200 })), state('mid', full({ hotFree: 3, hotBusy: 21 }))] });
    let near = 0;
    for (let i = 0; i < 200; i++) {
      const d = decide(request({ affinityKey: `k${i}` }), snap, policy(), context(`s${i}`, { strategyState: { roundRobinCursor: i, outstanding: new Map() } as never }));
      if (d.chosen === 'near') near++;
    }
    expect(near).toBe(0);
  });
});

describe('F2: share-of-room caps at 0 on every admitted row (more queued than drains over the horizon) left every probability 0 and the pick uniform', () => {
  it('every full cluster has more queued than its busy slots drain over the horizon: probabilities sum to 1, the 400-deep queue gets little', () => {
    const inflow = { inflowByOrigin: { FRA: 1, AMS: 1 } };
    const snap = snapshot({
      clusters: [NEAR, MID, FAR],
      states: [state('near', full({ queued: 40, ...inflow })), state('mid', full({ queued: 8, ...inflow })), state('far', full({ queued: 400, ...inflow }))],
    });
    let far = 0;
    let d!: Decision;
    for (let i = 0; i < 300; i++) {
      d = decide(request(), snap, policy(), context(`s${i}`));
      if (d.chosen === 'far') far++;
    }
    expect({ sum: d.candidates.reduce((a, c) => a + c.probability, 0), summary: d.summary, farPicks: far }).toEqual({ sum: 1, summary: expect.not.stringMatching(/p=0\.00/), farPicks: expect.any(Number) });
    expect(far).toBeLessThan(30);
  });
});

describe('F3: a job pin to a full cluster breaks (no capacity) under both models, admitted or not', () => {
  it.each(['ttft', 'weights'] as const)('%s: pin to a full cluster with 500 queued, another has 5 free slots: the pin breaks (job-pin.ts: "no capacity")', (model) => {
    const base = snapshot({ clusters: [NEAR, MID], states: [state('near', full({ queued: 500 })), state('mid', full({ hotFree: 5, hotBusy: 19 }))] });
    const snap = { ...base, jobPins: new Map([['h1', { clusterId: 'near', expiresAt: NOW + 60_000 } as never]]) };
    const d = decide(request({ jobKeyHash: 'h1' }), snap, policy({ model }), context());
    expect(d.chosen).toBe('mid');
  });
});

describe('F4: a cluster that can only start replicas is outside the landing pool: it does not keep the full ones out', () => {
  it('one free slot at a, cold-only b (nothing loaded), full c with an empty queue: something besides a gets traffic', () => {
    const snap = snapshot({
      clusters: [cluster('a', 'us-east'), cluster('b', 'us-central'), cluster('c', 'us-east')],
      states: [state('a', full({ hotFree: 1, hotBusy: 23 })), state('b', full({ hotBusy: 0, cold: 8 })), state('c', full())],
    });
    const d = decide(request(), snap, policy(), context());
    expect(prob(d, 'a')).toBeLessThan(1);
  });
});

describe('F5: one NaN count in a full row made the panic spread uniform', () => {
  it('a NaN hotBusy on c: a (221 queued) still gets little', () => {
    const snap = snapshot({
      clusters: [cluster('a-east', 'us-east'), cluster('b-central', 'us-central'), cluster('c-west', 'us-west')],
      states: [state('a-east', full({ queued: 221 })), state('b-central', full({ queued: 1 })), state('c-west', full({ hotBusy: NaN }))],
    });
    const d = decide(request(), snap, policy({ model: 'weights' }), context());
    expect(prob(d, 'a-east')).toBeLessThan(0.1);
  });
});

describe('saturated fleets: explanations and determinism', () => {
  const snap = snapshot({
    clusters: [cluster('a-east', 'us-east'), cluster('b-central', 'us-central'), cluster('c-west', 'us-west')],
    states: [state('a-east', full({ queued: 221 })), state('b-central', full({ queued: 1 })), state('c-west', full({ hotBusy: 18, queued: 17 }))],
  });
  it('panic spread: same seed, same decision and JSON; explanation probabilities match the pick weights', () => {
    const w = policy({ model: 'weights' });
    const x = decide(request(), snap, w, context('z'));
    const y = decide(request(), snap, w, context('z'));
    expect(JSON.stringify(y)).toBe(JSON.stringify(x));
    expect(x.candidates.reduce((a, c) => a + c.probability, 0)).toBeCloseTo(1, 12);
  });
  it('admitted rows: explanation tier/baseWeight/probabilities agree with decide', () => {
    const d = decide(request(), snap, policy(), context());
    expect(d.outcome).toBe('routed');
    for (const c of d.candidates) expect([c.tier, c.baseWeight, c.disqualifications.length]).toEqual(['hot', 1, 0]);
    expect(d.candidates.reduce((a, c) => a + c.probability, 0)).toBeCloseTo(1, 12);
  });
});

// A second reader of the fixes above (53019e8): R1 failed before too, and admitting full clusters
// made it common; R2 was the one-free-slot herd again, through start-up slots pinned for others.
describe('R1: a row with replica faults never takes the leftover of clean rows capped to 0', () => {
  it('a clean full cluster capped to 0 next to a gray-failing one with free slots: the failing one gets no more than uncapped', () => {
    const base = snapshot({
      clusters: [cluster('near', 'eu-central'), cluster('mid', 'eu-west')],
      states: [state('near', full({ queued: 8, inflowByOrigin: { FRA: 1 } })), state('mid', full({ hotFree: 2, hotBusy: 22, inflowByOrigin: { FRA: 1 } }))],
    });
    const s: AppSnapshot = { ...base, outcomes: new Map<string, OutcomeStats>([['mid', { clusterId: 'mid', requests: 200, replicaErrors: 100, ttfbMs: null, observedAt: NOW - 1000 }]]) };
    const uncapped: AppSnapshot = { ...s, state: new Map([...s.state].map(([k, v]) => [k, { ...v, inflowByOrigin: null }])) };
    const d = decide(request(), s, policy(), context());
    const u = decide(request(), uncapped, policy(), context());
    expect(d.candidates.reduce((a, c) => a + c.probability, 0)).toBeCloseTo(1, 12);
    expect(prob(d, 'mid')).toBeLessThanOrEqual(prob(u, 'mid') + 1e-12);
  });
});

describe('R2: start-up slots pinned for other apps do not keep the full clusters out', () => {
  it("the only warm slots are another app's: the empty-queue full cluster shares with the one free slot", () => {
    const s = snapshot({
      clusters: [cluster('near', 'eu-central'), cluster('mid', 'eu-west'), cluster('far', 'eu-west')],
      states: [
        state('near', full({ warm: 2, pinnedStartSlots: 2, queued: 100, inflowByOrigin: { FRA: 1 } })),
        state('mid', full({ hotFree: 1, hotBusy: 23, queued: 0, inflowByOrigin: { FRA: 1 } })),
        state('far', full({ queued: 0, inflowByOrigin: { FRA: 1 } })),
      ],
    });
    expect(prob(decide(request(), s, policy(), context()), 'far')).toBeGreaterThan(0);
  });
});
