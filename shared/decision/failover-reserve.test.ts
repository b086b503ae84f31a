import { describe, expect, it } from 'vitest';
import type { AppSnapshot, ClusterAppState } from '../domain/types.ts';
import { decide } from './decide.ts';
import { DEFAULT_POLICY, parsePolicy } from './policy.ts';
import { NOW, cluster, context, policy, request, snapshot, state } from './test-fixtures.ts';
import type { CandidateExplanation, Decision, Policy } from './types.ts';

// An EU-only app with three EU clusters, as in backtest/scenarios/eu-failover-surge.yaml: the
// cheap one (eu-west, $2.2/h) carries most of the load, and the two dear fallbacks run at their
// autoscalers' target with free slots in proportion to what they carry. If the cheap one failed,
// its 200 busy requests would land on 40 free slots and wait for cold starts. The client is in
// Frankfurt with inflow on every row, so the share-of-room caps hold it (the reserve runs under them).

const CHEAP = cluster('cheap', 'eu-west');
const NEAR = cluster('near', 'eu-central');
const UK = cluster('uk', 'uk-south');
const FRA = { FRA: 2 };

type Row = Partial<ClusterAppState>;

function row(id: string, over: Row): ClusterAppState {
  return state(id, { warm: 16, cold: 200, observedAt: NOW - 2000, inflowByOrigin: FRA, ...over });
}

// The cheap cluster carries 200 busy slots; the fallbacks 40 each, with 24 free each (60 % busy).
const CONCENTRATED: readonly [Row, Row, Row] = [
  { hotBusy: 200, hotFree: 56, pricePerHour: 2.2 },
  { hotBusy: 40, hotFree: 24, pricePerHour: 4.2 },
  { hotBusy: 40, hotFree: 24, pricePerHour: 3.6 },
];

function snap(rows: readonly Row[], clusters = [CHEAP, NEAR, UK]): AppSnapshot {
  return snapshot({
    app: { residency: { kind: 'continents', continents: ['EU'] } },
    clusters,
    states: clusters.map((c, i) => row(c.id, rows[i] ?? {})),
  });
}

function candidate(d: Decision, id: string): CandidateExplanation {
  const c = d.candidates.find((x) => x.clusterId === id);
  if (c === undefined) throw new Error(`no candidate ${id}`);
  return c;
}

function withReserve(value: string): Policy {
  const r = parsePolicy({ ROUTE_FAILOVER_RESERVE: value });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

describe('the failover reserve: among few candidates the busiest keeps only what the others could take over', () => {
  it('moves the cheap cluster\'s share onto the fallbacks until their free slots could hold its load, and says so', () => {
    const on = decide(request(), snap(CONCENTRATED), withReserve('1'), context());
    const off = decide(request(), snap(CONCENTRATED), policy(), context());
    const cheapOn = candidate(on, 'cheap');
    const cheapOff = candidate(off, 'cheap');
    // Without it the price term gives the cheap cluster the largest share of Frankfurt's traffic.
    expect(cheapOff.probability).toBeGreaterThan(0.4);
    expect(cheapOff.reserveShare).toBeUndefined();
    // The others' 48 free slots against its 200 busy: it keeps about a quarter of its share.
    expect(cheapOn.probability).toBeLessThan(cheapOff.probability * 0.35);
    expect(cheapOn.reserveShare).toBeLessThan(0);
    // The fleet policy's setting (ROUTE_FAILOVER_RESERVE): the app sets none.
    expect(cheapOn.reserveFrom).toBe('policy');
    expect(cheapOff.reserveFrom).toBeUndefined();
    const added = (candidate(on, 'near').reserveShare ?? 0) + (candidate(on, 'uk').reserveShare ?? 0);
    expect(added).toBeCloseTo(-(cheapOn.reserveShare ?? 0), 9);
    const total = on.candidates.reduce((s, c) => s + c.probability, 0);
    expect(total).toBeCloseTo(1, 9);
  });

  it.each([
    {
      name: 'the fallbacks\' free slots already cover the busiest load: nothing moves',
      rows: [{ hotBusy: 45, hotFree: 40, pricePerHour: 2.2 }, CONCENTRATED[1], CONCENTRATED[2]],
      clusters: [CHEAP, NEAR, UK],
      reserve: '1',
    },
    {
      // Between two, at an autoscaler's target neither's free slots cover the other's busy ones:
      // the rule would only swap the load back and forth.
      name: 'two candidates: nothing moves',
      rows: [CONCENTRATED[0], CONCENTRATED[1]],
      clusters: [CHEAP, NEAR],
      reserve: '1',
    },
    {
      // A saturated fleet: even starting every replica they may, the fallbacks could not hold 200.
      name: 'the fallbacks could not grow to the load: nothing moves',
      rows: [CONCENTRATED[0], { ...CONCENTRATED[1], warm: 0, cold: 40 }, { ...CONCENTRATED[2], warm: 0, cold: 40 }],
      clusters: [CHEAP, NEAR, UK],
      reserve: '1',
    },
    {
      // A queue on any of them: the app is short of slots now; moving load would only queue it.
      name: 'a fallback queues: nothing moves',
      rows: [CONCENTRATED[0], { ...CONCENTRATED[1], hotFree: 0, queued: 3 }, CONCENTRATED[2]],
      clusters: [CHEAP, NEAR, UK],
      reserve: '1',
    },
    {
      // An operator's choice of resilience over price (BENCHMARKS, eu-failover-surge): off unless set.
      name: 'off by default',
      rows: CONCENTRATED,
      clusters: [CHEAP, NEAR, UK],
      reserve: String(DEFAULT_POLICY.ttft.failoverReserve),
    },
  ])('$name', ({ rows, clusters, reserve }) => {
    const d = decide(request(), snap(rows, clusters), withReserve(reserve), context());
    for (const c of d.candidates) expect(c.reserveShare).toBeUndefined();
  });

  it('a fallback with replica faults is no standby: it takes none of the moved share', () => {
    const s = snap(CONCENTRATED);
    const faulty: AppSnapshot = {
      ...s,
      outcomes: new Map([['uk', { clusterId: 'uk', requests: 400, replicaErrors: 200, ttfbMs: 40, observedAt: NOW - 1000 }]]),
    };
    const d = decide(request(), faulty, withReserve('1'), context());
    // Two standbys are left: nothing moves, and the failing cluster gets no share from the reserve.
    expect(candidate(d, 'uk').reserveShare).toBeUndefined();
    expect(candidate(d, 'cheap').reserveShare).toBeUndefined();
  });
});

describe("an app's own failoverReserve overrides the policy's ROUTE_FAILOVER_RESERVE", () => {
  const appSnap = (failoverReserve: number): AppSnapshot => {
    const s = snap(CONCENTRATED);
    return { ...s, app: { ...s.app, failoverReserve } };
  };
  const probabilities = (d: Decision): number[] => d.candidates.map((c) => c.probability);

  it('on for the app with the policy off: it moves as the policy at the same value would', () => {
    const d = decide(request(), appSnap(1), policy(), context());
    expect(DEFAULT_POLICY.ttft.failoverReserve).toBe(0);
    expect(candidate(d, 'cheap').reserveShare).toBeLessThan(0);
    // Each row the reserve moved names the app's setting, the one an operator would change.
    for (const c of d.candidates) expect(c.reserveFrom).toBe(c.reserveShare === undefined ? undefined : 'app');
    expect(probabilities(d)).toEqual(probabilities(decide(request(), snap(CONCENTRATED), withReserve('1'), context())));
  });

  it('off for the app (0) with the policy on: nothing moves', () => {
    const d = decide(request(), appSnap(0), withReserve('1'), context());
    for (const c of d.candidates) expect(c.reserveShare).toBeUndefined();
    for (const c of d.candidates) expect(c.reserveFrom).toBeUndefined();
    expect(probabilities(d)).toEqual(probabilities(decide(request(), snap(CONCENTRATED), policy(), context())));
  });
});
