import { describe, expect, it } from 'vitest';
import { decide } from './decide.ts';
import { newStrategyState } from './strategy-state.ts';
import {
  NOW,
  cluster,
  context,
  measurement,
  policy as fixturePolicy,
  request,
  snapshot,
  state,
  status,
} from './test-fixtures.ts';
import type { Decision, Policy } from './types.ts';

// These cases pin the weights model (capacity × modifiers); the ttft model has its own file.
const policy = (over: Partial<Policy> = {}): Policy => fixturePolicy({ model: 'weights', ...over });

const EU = cluster('eu-1', 'eu-west');
const EU2 = cluster('eu-2', 'eu-central');
const US = cluster('us-1', 'us-east');
const AP = cluster('ap-1', 'ap-southeast');

function frequencies(run: (seed: string) => Decision, n: number): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (let i = 0; i < n; i++) {
    const d = run(`s${i}`);
    counts.set(d.chosen, (counts.get(d.chosen) ?? 0) + 1);
  }
  return counts;
}

describe('decide: switchyard pipeline', () => {
  it('routes to a hot cluster over warm-only and cold-only ones regardless of their weight', () => {
    const snap = snapshot({
      clusters: [EU, EU2, US],
      states: [
        state('eu-1', { hotFree: 0, warm: 1000, pricePerHour: 0.1 }),
        state('eu-2', { hotFree: 0, warm: 0, cold: 1000 }),
        state('us-1', { hotFree: 1, pricePerHour: 9 }),
      ],
    });
    for (let i = 0; i < 50; i++) {
      const d = decide(request(), snap, policy(), context(`h${i}`));
      expect(d.chosen).toBe('us-1');
      expect(d.tier).toBe('hot');
      expect(d.fallbacks).toEqual(['eu-1', 'eu-2']);
    }
  });

  it('explains every candidate, with probabilities summing to 1 over the picked tier', () => {
    const snap = snapshot({
      clusters: [EU, EU2, US, AP],
      states: [
        state('eu-1'),
        state('eu-2'),
        state('us-1', { hotFree: 0 }),
        state('ap-1', { health: 'unhealthy' }),
      ],
    });
    const d = decide(request(), snap, policy(), context());
    expect(d.candidates.map((c) => c.clusterId)).toEqual(['eu-1', 'eu-2', 'us-1', 'ap-1']);
    const byId = new Map(d.candidates.map((c) => [c.clusterId, c]));
    expect((byId.get('eu-1')?.probability ?? 0) + (byId.get('eu-2')?.probability ?? 0)).toBeCloseTo(
      1,
      9,
    );
    expect(byId.get('us-1')).toMatchObject({ tier: 'warm', weight: 0, probability: 0 });
    expect(byId.get('ap-1')?.disqualifications.map((x) => x.code)).toEqual(['unhealthy']);
    expect(byId.get('eu-1')?.modifiers.map((m) => m.name)).toEqual([
      'latency',
      'cost',
      'locality',
      'staleness',
      'static-weight',
    ]);
    expect(d.summary).toMatch(
      /^chose eu-[12] \(hot, p=0\.\d\d\) by weighted-pick; 3 of 4 eligible; disqualified 1: ap-1 \(unhealthy\)$/,
    );
  });

  it('prefers the nearer cluster, in proportion to the latency factor', () => {
    const snap = snapshot({ clusters: [EU, AP] });
    const d = decide(request(), snap, policy(), context());
    const [eu, ap] = d.candidates;
    expect(eu?.estimatedLatencyMs).toBeLessThan(30);
    expect(ap?.estimatedLatencyMs).toBeGreaterThan(120);
    expect(eu?.probability).toBeGreaterThan(0.8);
    const counts = frequencies((seed) => decide(request(), snap, policy(), context(seed)), 4000);
    expect(Math.abs((counts.get('eu-1') ?? 0) / 4000 - (eu?.probability ?? 0))).toBeLessThan(0.03);
  });

  it('adds the own proxy’s measured rtt to the geo leg, and ignores other proxies’ numbers', () => {
    const snap = snapshot({
      clusters: [EU, EU2],
      latency: [
        measurement('eu-1', 'proxy-eu-west', { rttMs: 400 }),
        measurement('eu-2', 'proxy-us-east', { rttMs: 900 }),
      ],
    });
    const [eu1, eu2] = decide(request(), snap, policy(), context()).candidates;
    expect(eu1?.modifiers[0]?.detail).toMatch(/\(geo \+ measured proxy RTT\)$/);
    expect(eu1?.estimatedLatencyMs).toBeGreaterThan(400);
    expect(eu2?.modifiers[0]?.detail).toMatch(/\(geo model\)$/);
    expect(eu2?.estimatedLatencyMs).toBeLessThan(20);
  });

  // A time to first byte includes server time: the app's own (its outcomes) on the clusters it
  // uses, against a few ms of RTT on those it does not, pushed its traffic away from its clusters
  // until the outcomes aged out (then back). The cluster-wide TTFB mixes every app's. Neither is
  // a network latency: two clusters as far and as near by RTT rank alike, whatever the TTFBs.
  it.each([
    { name: "the app's own slow TTFB on one cluster, none on the other", ttfbMs: 800, clusterTtftMs: null },
    { name: "the app's own fast TTFB on one cluster", ttfbMs: 1, clusterTtftMs: null },
    { name: "every app's TTFB on one cluster (cross-tenant)", ttfbMs: null, clusterTtftMs: 900 },
  ])('ranks two clusters at the same distance and RTT alike on latency: $name', ({ ttfbMs, clusterTtftMs }) => {
    const twin = cluster('eu-2', 'eu-west');
    const base = snapshot({
      clusters: [EU, twin],
      states: [state('eu-1'), state('eu-2')],
      latency: [measurement('eu-1', 'proxy-eu-west', { rttMs: 3, ttftMs: clusterTtftMs }), measurement('eu-2', 'proxy-eu-west', { rttMs: 3 })],
    });
    const own = { clusterId: 'eu-1', requests: 20, replicaErrors: 0, ttfbMs, observedAt: NOW - 1000 };
    const snap = ttfbMs === null ? base : { ...base, outcomes: new Map([['eu-1', own]]) };
    const [eu1, eu2] = decide(request(), snap, policy(), context()).candidates;
    expect(eu1?.estimatedLatencyMs).toBe(eu2?.estimatedLatencyMs);
    expect(eu1?.estimatedLatencyMs).toBeLessThan(30);
    expect(eu1?.modifiers[0]).toEqual(eu2?.modifiers[0]);
    expect(eu1?.modifiers[0]?.detail).toMatch(/\(geo \+ measured proxy RTT\)$/);
    expect(eu1?.probability).toBeCloseTo(eu2?.probability ?? NaN, 9);
  });

  it('is neutral on latency when the client location is unknown', () => {
    const snap = snapshot({ clusters: [EU, AP] });
    const req = request({ client: { colo: null, country: null, continent: null, location: null } });
    const d = decide(req, snap, policy(), context());
    for (const c of d.candidates)
      expect(c.modifiers[0]).toMatchObject({ name: 'latency', factor: 1 });
    expect(d.candidates[0]?.probability).toBeCloseTo(0.5, 9);
  });

  it('prefers cheaper capacity when idle and stops caring when busy', () => {
    const p = policy({ weights: { latency: 0, cost: 1, locality: 0 } });
    const idle = snapshot({
      clusters: [EU, EU2],
      states: [
        state('eu-1', { pricePerHour: 1, hotBusy: 0 }),
        state('eu-2', { pricePerHour: 3, hotBusy: 0 }),
      ],
    });
    expect(decide(request(), idle, p, context()).candidates[0]?.probability).toBeCloseTo(0.75, 9);
    const busy = snapshot({
      clusters: [EU, EU2],
      states: [
        state('eu-1', { pricePerHour: 1, hotBusy: 40 }),
        state('eu-2', { pricePerHour: 3, hotBusy: 40 }),
      ],
    });
    expect(decide(request(), busy, p, context()).candidates[0]?.probability).toBeCloseTo(0.5, 9);
  });

  it('gives recently-served clusters the locality bonus and discounts stale state', () => {
    const p = policy({ weights: { latency: 0, cost: 0, locality: 1 } });
    const snap = snapshot({
      clusters: [EU, EU2],
      states: [state('eu-1', { lastServedAt: NOW }), state('eu-2', { observedAt: NOW - 67_500 })],
    });
    const [eu1, eu2] = decide(request(), snap, p, context()).candidates;
    expect(eu1?.weight).toBeCloseTo(8, 9); // 4 hot × locality 2
    expect(eu2?.weight).toBeCloseTo(2.4, 9); // 4 hot × staleness 0.6
  });

  it('applies static canary weights', () => {
    const snap = snapshot({ clusters: [EU, EU2], app: { clusterWeights: { 'eu-2': 0.1 } } });
    const p = policy({ weights: { latency: 0, cost: 0, locality: 0 } });
    expect(decide(request(), snap, p, context()).candidates[1]?.probability).toBeCloseTo(
      0.1 / 1.1,
      9,
    );
  });

  it('same seed → same decision; different seeds spread', () => {
    const snap = snapshot({ clusters: [EU, EU2, US, AP] });
    expect(decide(request(), snap, policy(), context('x'))).toEqual(
      decide(request(), snap, policy(), context('x')),
    );
    expect(
      frequencies((seed) => decide(request(), snap, policy(), context(seed)), 300).size,
    ).toBeGreaterThan(1);
  });

  it('caps fallbacks at maxFallbacks and orders them by tier then weight', () => {
    const snap = snapshot({
      clusters: [EU, EU2, US, AP],
      states: [
        state('eu-1', { hotFree: 50 }),
        state('eu-2', { hotFree: 0, warm: 5 }),
        state('us-1', { hotFree: 0, warm: 0, cold: 5 }),
        state('ap-1', { hotFree: 0, warm: 50 }),
      ],
    });
    const d = decide(request(), snap, policy({ maxFallbacks: 2 }), context());
    expect(d.chosen).toBe('eu-1');
    expect(d.fallbacks).toEqual(['ap-1', 'eu-2']);
    expect(decide(request(), snap, policy({ maxFallbacks: 0 }), context()).fallbacks).toEqual([]);
  });

  it('marks decisions from a stale snapshot and carries request and policy identity', () => {
    const snap = snapshot({ clusters: [EU] });
    const d = decide(
      request({ synthetic: true }),
      snap,
      policy({ version: 'v9' }),
      context('z', { staleSnapshot: true }),
    );
    expect(d).toMatchObject({
      id: 'd-z',
      at: NOW,
      appId: 'p/app',
      fn: 'v1/chat/completions',
      stale: true,
      synthetic: true,
      policyVersion: 'v9',
      seed: 'z',
      reason: 'only-candidate',
      outcome: 'routed',
    });
    expect(d.summary).toContain('snapshot is stale');
  });
});

describe('decide: no candidate and panic', () => {
  it('refuses when residency excludes everything, even with panic on', () => {
    const snap = snapshot({
      clusters: [US, AP],
      app: { residency: { kind: 'continents', continents: ['EU'] } },
    });
    const d = decide(request(), snap, policy({ panic: 'least-bad' }), context());
    expect(d).toMatchObject({
      outcome: 'no-candidate',
      reason: 'no-candidate',
      chosen: null,
      fallbacks: [],
      tier: null,
    });
    expect(d.summary).toBe(
      'no candidate: all 2 candidates disqualified; disqualified 2: us-1 (residency), ap-1 (residency)',
    );
  });

  it('refuses an app deployed nowhere', () => {
    const d = decide(request(), snapshot({ clusters: [] }), policy(), context());
    expect(d.summary).toBe('no candidate: app is deployed to no clusters');
  });

  it('picks the least-bad when only health filters removed everything', () => {
    const snap = snapshot({
      clusters: [EU, EU2, US, AP],
      states: [
        state('eu-1', { health: 'unhealthy' }),
        state('eu-2', { observedAt: NOW - 300_000 }),
        state('us-1', { hotFree: 0, warm: 0, cold: 0 }),
      ],
      statuses: [status('eu-2', { circuitOpen: true })],
    });
    const d = decide(request(), snap, policy({ panic: 'least-bad' }), context());
    expect(d).toMatchObject({
      outcome: 'panic',
      reason: 'panic',
      chosen: 'us-1',
      fallbacks: ['eu-2', 'eu-1', 'ap-1'],
    });
    // A fresh, healthy cluster with no free slot (the request queues) beats a stale one whose proxy refuses it.
    expect(d.summary).toMatch(
      /^PANIC: every candidate failed health filters; routed to least-bad us-1 despite no-capacity/,
    );
  });

  it('prefers degraded over unhealthy, then the freshest state, in panic', () => {
    const snap = snapshot({
      clusters: [EU, EU2, US],
      states: [
        state('eu-1', { health: 'unhealthy' }),
        state('eu-2', { observedAt: NOW - 200_000, health: 'degraded' }),
        state('us-1', { observedAt: NOW - 130_000 }),
      ],
    });
    expect(decide(request(), snap, policy(), context()).fallbacks).toEqual(['eu-2', 'eu-1']);
    expect(decide(request(), snap, policy(), context()).chosen).toBe('us-1');
  });

  it('never panics into a draining, excluded, wrong-hardware or out-of-residency cluster', () => {
    const snap = snapshot({
      clusters: [EU, EU2, US, AP],
      app: {
        excludedClusters: ['eu-2'],
        gpuTypes: ['H100'],
        residency: { kind: 'regions', regions: ['eu-west', 'eu-central', 'ap-southeast'] },
      },
      states: [
        state('eu-1', { health: 'unhealthy' }),
        state('eu-2', { health: 'unhealthy' }),
        state('us-1', { health: 'unhealthy' }),
        state('ap-1', { gpuType: 'A10' }),
      ],
      statuses: [status('eu-1', { draining: true })],
    });
    const d = decide(request(), snap, policy(), context());
    expect(d.outcome).toBe('no-candidate');
  });

  it('refuses instead of panicking when panic is off', () => {
    const snap = snapshot({ clusters: [EU], states: [state('eu-1', { health: 'unhealthy' })] });
    expect(decide(request(), snap, policy({ panic: 'off' }), context())).toMatchObject({
      outcome: 'no-candidate',
      chosen: null,
    });
  });
});

describe('decide: classic strategies over eligible clusters', () => {
  const snap = (
    strategy:
      | 'round-robin'
      | 'least-outstanding'
      | 'consistent-hash'
      | 'random'
      | 'weighted'
      | 'power-of-two',
  ) =>
    snapshot({
      clusters: [EU, EU2, US, AP],
      app: { strategy, residency: { kind: 'continents', continents: ['EU', 'NA'] } },
      states: [
        state('eu-1'),
        state('eu-2', { hotFree: 0, warm: 3 }),
        state('us-1', { hotBusy: 30 }),
      ],
    });

  it('round-robin cycles over every eligible cluster (any tier, never the disqualified)', () => {
    const s = snap('round-robin');
    const strategyState = newStrategyState();
    const picks = Array.from({ length: 6 }, (_, i) =>
      decide(request(), s, policy(), context(`r${i}`, { strategyState })),
    );
    expect(picks.map((d) => d.chosen)).toEqual(['eu-1', 'eu-2', 'us-1', 'eu-1', 'eu-2', 'us-1']);
    expect(picks[0]).toMatchObject({
      strategy: 'round-robin',
      reason: 'strategy',
      outcome: 'routed',
    });
    expect(picks[0]?.summary).toMatch(/by round-robin strategy/);
  });

  it('least-outstanding uses the given counters, else busy + queued from the snapshot', () => {
    const s = snap('least-outstanding');
    expect(decide(request(), s, policy(), context('a')).chosen).not.toBe('us-1');
    const strategyState = newStrategyState();
    strategyState.outstanding.set('eu-1', 5).set('eu-2', 5).set('us-1', 1);
    expect(decide(request(), s, policy(), context('a', { strategyState })).chosen).toBe('us-1');
  });

  it.each(['least-outstanding', 'power-of-two'] as const)(
    '%s at the edge (an empty counter map, never updated) takes load from the snapshot',
    (strategy) => {
      const s = snapshot({
        clusters: [EU, EU2],
        app: { strategy },
        states: [state('eu-1', { hotBusy: 50, queued: 20 }), state('eu-2', { hotBusy: 1 })],
      });
      for (let i = 0; i < 20; i++) {
        const d = decide(request(), s, policy(), context(`e${i}`, { strategyState: newStrategyState() }));
        expect(d.chosen).toBe('eu-2');
      }
    },
  );

  it('consistent-hash keeps a key on one cluster and moves only its keys when that cluster drains', () => {
    const s = snap('consistent-hash');
    const keys = Array.from({ length: 300 }, (_, i) => `session-${i}`);
    const before = keys.map(
      (k) => decide(request({ affinityKey: k }), s, policy(), context(k)).chosen,
    );
    const again = keys.map(
      (k) => decide(request({ affinityKey: k }), s, policy(), context(`other-${k}`)).chosen,
    );
    expect(again).toEqual(before);
    const drained = snapshot({
      clusters: [EU, EU2, US, AP],
      app: {
        strategy: 'consistent-hash',
        residency: { kind: 'continents', continents: ['EU', 'NA'] },
      },
      states: [
        state('eu-1'),
        state('eu-2', { hotFree: 0, warm: 3 }),
        state('us-1', { hotBusy: 30 }),
      ],
      statuses: [status('eu-2', { draining: true })],
    });
    keys.forEach((k, i) => {
      const after = decide(request({ affinityKey: k }), drained, policy(), context(k)).chosen;
      if (before[i] === 'eu-2') expect(after).not.toBe('eu-2');
      else expect(after).toBe(before[i]);
    });
  });

  it('weighted follows static weights; random is uniform', () => {
    const w = snapshot({
      clusters: [EU, EU2],
      app: { strategy: 'weighted', clusterWeights: { 'eu-1': 3 } },
    });
    expect(decide(request(), w, policy(), context()).candidates.map((c) => c.probability)).toEqual([
      0.75, 0.25,
    ]);
    const r = snap('random');
    expect(decide(request(), r, policy(), context()).candidates.map((c) => c.probability)).toEqual([
      1 / 3,
      1 / 3,
      1 / 3,
      0,
    ]);
  });

  it('power-of-two never picks the busiest of two', () => {
    const s = snapshot({
      clusters: [EU, US],
      app: { strategy: 'power-of-two' },
      states: [state('eu-1', { hotBusy: 1 }), state('us-1', { hotBusy: 90 })],
    });
    for (let i = 0; i < 30; i++)
      expect(decide(request(), s, policy(), context(`p${i}`)).chosen).toBe('eu-1');
  });
});
