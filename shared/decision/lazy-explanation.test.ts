import { describe, expect, it } from 'vitest';
import type { AppSnapshot, ClientLocation, OutcomeStats } from '../domain/types.ts';
import { decide } from './decide.ts';
import { NOW, cluster, context, policy, request, snapshot, state, status } from './test-fixtures.ts';
import type { Decision, Policy } from './types.ts';

// decide() reuses its candidate rows and term values across calls and builds `candidates` and
// `summary` only when read (explain.ts). A decision must explain itself exactly as if it had
// been the only one ever made, however many decisions on the same snapshot came in between.

const FRA: ClientLocation = { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } };
const IAD: ClientLocation = { colo: 'IAD', country: 'US', continent: 'NA', location: { lat: 38.9, lon: -77.4 } };
const NOWHERE: ClientLocation = { colo: null, country: null, continent: null, location: null };

const KEYS = ['id', 'at', 'appId', 'fn', 'strategy', 'outcome', 'chosen', 'fallbacks', 'reason', 'tier', 'stale', 'synthetic', 'policyVersion', 'seed', 'candidates', 'summary'];

function fleet(): AppSnapshot {
  const clusters = [
    cluster('a', 'eu-central'),
    cluster('b', 'eu-west'),
    cluster('c', 'us-east'),
    cluster('d', 'us-west'),
    cluster('e', 'ap-southeast'),
  ];
  const outcomes: OutcomeStats[] = [
    { clusterId: 'b', requests: 200, replicaErrors: 60, ttfbMs: null, observedAt: NOW - 2000 },
  ];
  return {
    ...snapshot({
      clusters,
      states: [
        state('a', { hotFree: 2, hotBusy: 30, queued: 4, lastServedAt: NOW - 30_000 }),
        state('b', { hotFree: 10, hotBusy: 5 }),
        state('c', { hotFree: 0, hotBusy: 0, warm: 2, observedAt: NOW - 12_000 }),
        state('d', { health: 'unhealthy' }),
        state('e', { hotFree: 8, hotBusy: 8, pricePerHour: 1.2 }),
      ],
      statuses: [status('c', { draining: false }), status('e', { circuitOpen: true })],
    }),
    outcomes: new Map(outcomes.map((o) => [o.clusterId, o])),
  };
}

const ttft = policy();
const weights: Policy = policy({ model: 'weights' });

describe('lazily built explanations', () => {
  it.each([
    { name: 'ttft model, client in Europe', p: ttft, client: FRA, other: IAD },
    { name: 'ttft model, client location unknown', p: ttft, client: NOWHERE, other: FRA },
    { name: 'weights model', p: weights, client: FRA, other: NOWHERE },
  ])('$name: a decision read after later decisions equals one made alone', ({ p, client, other }) => {
    const shared = fleet();
    const first = decide(request({ client }), shared, p, context('s1'));
    // Later decisions on the same snapshot overwrite the reused rows and term values.
    for (let i = 0; i < 5; i++) decide(request({ client: other }), shared, p, context(`later-${i}`, { now: NOW + 700 * i }));
    const alone = decide(request({ client }), fleet(), p, context('s1'));
    expect(JSON.stringify(first)).toBe(JSON.stringify(alone));
    expect(first.candidates.length).toBe(5);
    expect(first.summary).toMatch(/^chose /);
    // The terms rebuilt when read add up to the score and prediction the decision ranked by.
    for (const c of first.candidates) {
      if (c.terms === undefined) continue;
      const [network, queue, startup, failure, price, uncertainty] = c.terms.map((t) => t.ms);
      const predicted = (network ?? NaN) + (queue ?? NaN) + (startup ?? NaN) + (failure ?? NaN);
      expect(c.estimatedLatencyMs).toBeCloseTo(predicted, 9);
      expect(c.scoreMs).toBeCloseTo(predicted + (price ?? NaN) + (uncertainty ?? NaN), 9);
    }
  });

  it('keeps the key order and own enumerable properties of an eager decision (JSON, spread, deep equality)', () => {
    const d: Decision = decide(request({ client: FRA }), fleet(), ttft, context('k'));
    expect(Object.keys(d)).toEqual(KEYS);
    const spread = { ...d };
    expect(Object.keys(spread)).toEqual(KEYS);
    expect(spread.candidates).toBe(d.candidates);
    expect(JSON.parse(JSON.stringify(d))).toEqual(JSON.parse(JSON.stringify(spread)));
    // Built once: every read returns the same objects.
    expect(d.candidates).toBe(d.candidates);
    expect(d.candidates.find((c) => c.clusterId === 'a')?.terms?.map((t) => t.name)).toEqual([
      'network',
      'queue',
      'startup',
      'failure-risk',
      'price',
      'uncertainty',
      'slowness',
    ]);
  });
});
