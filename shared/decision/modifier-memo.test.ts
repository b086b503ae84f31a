import { describe, expect, it } from 'vitest';
import type { AppSnapshot } from '../domain/types.ts';
import { decide } from './decide.ts';
import {
  NOW,
  cluster,
  context,
  measurement,
  policy,
  request,
  snapshot,
  state,
} from './test-fixtures.ts';

const CLUSTERS = [
  cluster('eu-1', 'eu-west'),
  cluster('eu-2', 'eu-central'),
  cluster('us-1', 'us-east'),
  cluster('ap-1', 'ap-southeast'),
];

function build(): AppSnapshot {
  return snapshot({
    clusters: CLUSTERS,
    states: [
      state('eu-1', { pricePerHour: 1 }),
      state('eu-2', { pricePerHour: 3, hotBusy: 9 }),
      state('us-1', { lastServedAt: NOW - 1000 }),
      state('ap-1'),
    ],
    latency: [
      measurement('eu-1', 'proxy-eu-west', { rttMs: 30, ttftMs: 300, observedAt: NOW - 100_000 }),
      measurement('us-1', 'proxy-us-east', { rttMs: 5 }),
    ],
  });
}

describe('memoised modifiers', () => {
  it('never change a result: a warm snapshot decides exactly like a freshly built one', () => {
    const warm = build();
    const p1 = policy({ model: 'weights' });
    const p2 = policy({ model: 'weights', latencyHalfMs: 30, weights: { latency: 1.3, cost: 2, locality: 0 } });
    const p3 = policy();
    const p4 = policy({ ttft: { ...policy().ttft, usdPerGpuHourPerMs: 0.5, serviceMs: 2000 } });
    const clients = [
      request().client,
      { colo: 'SIN', country: 'SG', continent: 'AS' as const, location: { lat: 1.35, lon: 103.8 } },
      { colo: null, country: null, continent: null, location: null },
    ];
    // Vary everything the memo keys on: client location, policy object, and `now` crossing
    // the point where eu-1's measurement becomes too old to use.
    for (const now of [NOW, NOW + 30_000, NOW + 30_100, NOW + 30_900]) {
      for (const p of [p1, p2, p1, p3, p4, p3]) {
        for (const client of clients) {
          const req = request({ client });
          const got = decide(req, warm, p, context('m', { now }));
          const expected = decide(req, build(), p, context('m', { now }));
          expect(got).toEqual(expected);
        }
      }
    }
  });

  it('switches eu-1 from measured to modelled latency once the measurement is too old', () => {
    const snap = build();
    const at = (now: number): string | undefined =>
      decide(request(), snap, policy({ model: 'weights' }), context('m', { now })).candidates[0]
        ?.modifiers[0]?.detail;
    expect(at(NOW)).toMatch(/measured proxy RTT/);
    expect(at(NOW + 30_000)).toMatch(/geo model/);
    expect(at(NOW)).toMatch(/measured proxy RTT/);
  });
});
