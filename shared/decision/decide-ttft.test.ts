import { describe, expect, it } from 'vitest';
import type { AppSnapshot, OutcomeStats } from '../domain/types.ts';
import { decide } from './decide.ts';
import { NOW, cluster, context, policy, request, snapshot, state } from './test-fixtures.ts';
import type { Decision } from './types.ts';

// Behaviour of the ttft model (the default): predicted time to first token per
// candidate, softmax over it. Each case names a physical situation and the
// share the model must give (or deny) a cluster.

const NEAR = cluster('near', 'eu-central');
const MID = cluster('mid', 'eu-west');
const FAR = cluster('far', 'us-east');

function prob(d: Decision, id: string): number {
  return d.candidates.find((c) => c.clusterId === id)?.probability ?? NaN;
}

function withOutcomes(snap: AppSnapshot, stats: readonly OutcomeStats[]): AppSnapshot {
  return { ...snap, outcomes: new Map(stats.map((o) => [o.clusterId, o])) };
}

const roomy = { hotFree: 40, hotBusy: 10, warm: 8, cold: 16 };

describe('ttft model', () => {
  it.each([
    {
      name: 'nearest cluster with room takes most traffic',
      snap: snapshot({
        clusters: [NEAR, FAR],
        states: [state('near', roomy), state('far', roomy)],
      }),
      id: 'near',
      min: 0.95,
      max: 1,
    },
    {
      name: 'a near cluster with a queue loses to one with free slots',
      snap: snapshot({
        clusters: [NEAR, MID],
        states: [
          state('near', { hotFree: 1, hotBusy: 40, queued: 30, warm: 0, cold: 8 }),
          state('mid', roomy),
        ],
      }),
      id: 'near',
      min: 0,
      max: 0.1,
    },
    {
      name: 'a gray-failing cluster (reports healthy, half its answers 5xx) loses its traffic',
      snap: withOutcomes(
        snapshot({ clusters: [NEAR, MID], states: [state('near', roomy), state('mid', roomy)] }),
        [
          {
            clusterId: 'near',
            requests: 200,
            replicaErrors: 100,
            ttfbMs: null,
            observedAt: NOW - 2000,
          },
        ],
      ),
      id: 'near',
      min: 0,
      max: 0.02,
    },
    {
      // Half its attempts fail and are retried on mid, which queues ~1 s: each failure here costs that
      // queue too (≈ 1.2 s expected), not just a round trip and the retry penalty (≈ 0.3 s).
      name: 'a gray-failing cluster loses its traffic even when the only alternative queues a second',
      snap: withOutcomes(
        snapshot({
          clusters: [NEAR, MID],
          states: [
            state('near', roomy),
            state('mid', { hotFree: 0, hotBusy: 40, queued: 3, warm: 8, cold: 8 }),
          ],
        }),
        [{ clusterId: 'near', requests: 200, replicaErrors: 100, ttfbMs: null, observedAt: NOW - 2000 }],
      ),
      id: 'near',
      min: 0,
      max: 0.05,
    },
    {
      name: 'a much pricier busy cluster loses to a cheap one a few ms away',
      snap: snapshot({
        clusters: [NEAR, MID],
        states: [
          state('near', { ...roomy, hotBusy: 40, hotFree: 10, pricePerHour: 12 }),
          state('mid', { ...roomy, pricePerHour: 3 }),
        ],
      }),
      id: 'near',
      min: 0,
      max: 0.1,
    },
    {
      name: 'few candidates: the far standby keeps a share to stay warm',
      snap: snapshot({
        clusters: [NEAR, FAR],
        states: [state('near', roomy), state('far', roomy)],
      }),
      id: 'far',
      min: policy().ttft.standbyShare / 2,
      max: 0.1,
    },
  ])('$name', ({ snap, id, min, max }) => {
    const d = decide(request(), snap, policy(), context('t'));
    expect(d.reason).toBe('fastest-predicted');
    expect(prob(d, id)).toBeGreaterThanOrEqual(min);
    expect(prob(d, id)).toBeLessThanOrEqual(max);
  });

  // The standby share keeps a fallback warm, but never above what the operator's static weights
  // allow: a canary at 1 % stays at 1 %, a weight of 0 gets nothing, a 10^6 : 1 split stays pinned.
  it.each([
    { name: 'weight 0 gets no standby share', weights: { near: 1, far: 0 }, id: 'far', max: 0 },
    { name: 'a 10^6 : 1 split keeps the light cluster below 10^-5', weights: { near: 1_000_000, far: 1 }, id: 'far', max: 1e-5 },
    { name: 'a 1 % canary is not raised to the standby share', weights: { near: 99, far: 1 }, id: 'far', max: 0.0125 },
    { name: 'equal weights keep the standby share', weights: { near: 1, far: 1 }, id: 'far', min: policy().ttft.standbyShare / 2, max: 0.1 },
  ])('static weights bound the standby share: $name', ({ weights, id, min, max }) => {
    const snap = snapshot({
      clusters: [NEAR, FAR],
      states: [state('near', roomy), state('far', roomy)],
      app: { clusterWeights: weights },
    });
    const d = decide(request(), snap, policy(), context('t'));
    expect(prob(d, id)).toBeLessThanOrEqual(max);
    expect(prob(d, id)).toBeGreaterThanOrEqual(min ?? 0);
  });

  it('explains every term in ms, with price in $', () => {
    const snap = snapshot({
      clusters: [NEAR, MID],
      states: [state('near', roomy), state('mid', roomy)],
    });
    const d = decide(request(), snap, policy(), context('t'));
    for (const c of d.candidates) {
      expect(c.terms?.map((t) => t.name)).toEqual([
        'network',
        'queue',
        'startup',
        'failure-risk',
        'price',
        'uncertainty',
        'slowness',
      ]);
      for (const t of c.terms ?? []) expect(Number.isFinite(t.ms)).toBe(true);
      expect(c.terms?.find((t) => t.name === 'price')?.detail).toMatch(
        /\$[\d.]+\/h .*÷ \$[\d.]+\/h per ms/,
      );
      expect(c.scoreMs).toBeCloseTo(
        (c.terms ?? []).reduce((a, t) => a + t.ms, 0),
        9,
      );
    }
  });

  it('never starts a replica while a loaded one is eligible, and widens as state ages', () => {
    const snap = snapshot({
      clusters: [NEAR, MID],
      states: [
        state('near', { hotFree: 0, hotBusy: 0, warm: 80 }),
        state('mid', { ...roomy, hotFree: 1 }),
      ],
    });
    expect(decide(request(), snap, policy(), context('t')).chosen).toBe('mid');
    const fresh = snapshot({
      clusters: [NEAR, FAR],
      states: [state('near', roomy), state('far', roomy)],
    });
    const old = snapshot({
      clusters: [NEAR, FAR],
      states: [
        state('near', { ...roomy, observedAt: NOW - 60_000 }),
        state('far', { ...roomy, observedAt: NOW - 60_000 }),
      ],
    });
    const single = policy({ ttft: { ...policy().ttft, standbyShare: 0 } });
    expect(prob(decide(request(), old, single, context('t')), 'far')).toBeGreaterThan(
      prob(decide(request(), fresh, single, context('t')), 'far'),
    );
  });
});

// Queue-aware widening (ROUTE_QUEUE_SPREAD): the same snapshot decided with the widening
// off (0) and at its default; each case says how the split must move.
describe('ttft model: queue-aware widening', () => {
  const AP = cluster('ap', 'ap-northeast');
  const free = { ...roomy, pricePerHour: 0 };
  const spread = (k: number): ReturnType<typeof policy> =>
    policy({ ttft: { ...policy().ttft, queueSpread: k } });
  const four = (near: Partial<typeof roomy> & { queued?: number }): AppSnapshot =>
    snapshot({
      clusters: [NEAR, MID, FAR, AP],
      states: [
        state('near', { ...free, ...near }),
        state('mid', free),
        state('far', free),
        state('ap', free),
      ],
    });
  const split = (snap: AppSnapshot, k: number): Decision =>
    decide(request(), snap, spread(k), context('w'));

  it('is on by default', () => {
    expect(policy().ttft.queueSpread).toBe(3);
  });

  it.each([
    {
      name: 'best cluster about to run out of slots: traffic spreads to the next ones',
      snap: four({ hotFree: 16, hotBusy: 100 }),
      id: 'near',
      change: (off: number, on: number) => expect(on).toBeLessThan(off - 0.03),
    },
    {
      name: 'no queue risk anywhere: the split is exactly the unwidened one',
      snap: four({}),
      id: 'near',
      change: (off: number, on: number) => expect(on).toBe(off),
    },
  ])('$name', ({ snap, id, change }) => {
    change(prob(split(snap, 0), id), prob(split(snap, 3), id));
  });

  it('does not flatten a ranking where the best cluster queues for sure', () => {
    const snap = snapshot({
      clusters: [NEAR, MID, FAR, AP],
      states: [
        state('near', { hotFree: 1, hotBusy: 40, queued: 10, warm: 8, cold: 0 }),
        state('mid', { hotFree: 1, hotBusy: 40, queued: 200, warm: 8, cold: 0 }),
        state('far', { hotFree: 1, hotBusy: 40, queued: 200, warm: 8, cold: 0 }),
        state('ap', { hotFree: 1, hotBusy: 40, queued: 200, warm: 8, cold: 0 }),
      ],
    });
    const d = split(snap, 3);
    // near queues ~1 s for sure, the others ~5 s: the widening is capped, so near keeps it all.
    expect(d.candidates.find((c) => c.clusterId === 'near')?.terms?.[1]?.ms).toBeGreaterThan(100);
    expect(prob(d, 'near')).toBeGreaterThan(0.99);
  });

  it('keeps a gray-failing cluster out even while the others risk a queue', () => {
    const snap = withOutcomes(
      snapshot({
        clusters: [NEAR, MID, FAR, AP],
        states: [
          state('near', free),
          state('mid', { ...free, hotFree: 16, hotBusy: 100 }),
          state('far', free),
          state('ap', free),
        ],
      }),
      [{ clusterId: 'near', requests: 200, replicaErrors: 100, ttfbMs: null, observedAt: NOW - 2000 }],
    );
    expect(prob(split(snap, 3), 'near')).toBeLessThan(0.02);
  });
});
