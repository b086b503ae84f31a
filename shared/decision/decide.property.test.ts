import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REGIONS } from '../domain/regions.ts';
import { CONTINENTS, STRATEGIES } from '../domain/types.ts';
import type {
  AppSnapshot,
  ClientLocation,
  Continent,
  Residency,
  StrategyName,
} from '../domain/types.ts';
import { decide } from './decide.ts';
import {
  NOW,
  cluster,
  context,
  policy,
  request,
  snapshot,
  state,
  status,
} from './test-fixtures.ts';
import type { Decision, Policy } from './types.ts';

// Random snapshots: up to 10 clusters in random regions, each with random (or
// missing) state and status, random residency, hardware, exclusions, strategy.

const arbClusterSpec = fc.record({
  region: fc.constantFrom(...REGIONS.map((r) => r.id)),
  hasState: fc.boolean(),
  hotFree: fc.nat(5),
  hotBusy: fc.nat(5),
  warm: fc.nat(3),
  cold: fc.nat(3),
  health: fc.constantFrom('healthy', 'degraded', 'unhealthy', 'unknown'),
  ageMs: fc.nat(200_000),
  gpu: fc.constantFrom('H100', 'A100'),
  price: fc.double({ min: 0.5, max: 5, noNaN: true }),
  hasStatus: fc.boolean(),
  statusHealth: fc.constantFrom('healthy', 'unhealthy', 'unknown'),
  circuitOpen: fc.boolean(),
  draining: fc.boolean(),
  excluded: fc.boolean(),
  weight: fc.constantFrom(0, 0.5, 1, 3),
});

const arbResidency: fc.Arbitrary<Residency> = fc.oneof(
  fc.constant({ kind: 'any' } as const),
  fc
    .subarray([...CONTINENTS], { minLength: 1 })
    .map((continents) => ({ kind: 'continents', continents }) as const),
  fc
    .subarray(
      REGIONS.map((r) => r.id),
      { minLength: 1, maxLength: 4 },
    )
    .map((regions) => ({ kind: 'regions', regions }) as const),
  fc.constant({ kind: 'client-continent' } as const),
);

const arbClient: fc.Arbitrary<ClientLocation> = fc.oneof(
  fc.constant({ colo: null, country: null, continent: null, location: null }),
  fc
    .constantFrom(...REGIONS)
    .map((r) => ({ colo: 'X', country: r.country, continent: r.continent, location: r.location })),
);

interface Scenario {
  readonly snap: AppSnapshot;
  readonly client: ClientLocation;
  readonly policy: Policy;
  readonly seed: string;
  readonly affinityKey: string | null;
}

const arbScenario: fc.Arbitrary<Scenario> = fc
  .record({
    specs: fc.array(arbClusterSpec, { minLength: 0, maxLength: 10 }),
    residency: arbResidency,
    gpuTypes: fc.constantFrom([], ['H100'], ['A100', 'H100']),
    strategy: fc.constantFrom<StrategyName>(...STRATEGIES),
    client: arbClient,
    panic: fc.constantFrom<Policy['panic']>('off', 'least-bad'),
    model: fc.constantFrom<Policy['model']>('ttft', 'weights'),
    seed: fc.string({ maxLength: 8 }),
    affinityKey: fc.option(fc.string({ maxLength: 6 })),
  })
  .map((g) => {
    const clusters = g.specs.map((s, i) => cluster(`c${i}`, s.region));
    const snap = snapshot({
      clusters,
      app: {
        residency: g.residency,
        gpuTypes: g.gpuTypes,
        strategy: g.strategy,
        excludedClusters: g.specs.flatMap((s, i) => (s.excluded ? [`c${i}`] : [])),
        clusterWeights: Object.fromEntries(g.specs.map((s, i) => [`c${i}`, s.weight])),
      },
      states: g.specs.flatMap((s, i) =>
        s.hasState
          ? [
              state(`c${i}`, {
                hotFree: s.hotFree,
                hotBusy: s.hotBusy,
                warm: s.warm,
                cold: s.cold,
                health: s.health,
                observedAt: NOW - s.ageMs,
                gpuType: s.gpu,
                pricePerHour: s.price,
              }),
            ]
          : [],
      ),
      statuses: g.specs.flatMap((s, i) =>
        s.hasStatus
          ? [
              status(`c${i}`, {
                health: s.statusHealth,
                circuitOpen: s.circuitOpen,
                draining: s.draining,
              }),
            ]
          : [],
      ),
    });
    return {
      snap,
      client: g.client,
      policy: policy({ panic: g.panic, model: g.model }),
      seed: g.seed,
      affinityKey: g.affinityKey,
    };
  });

function run(s: Scenario, seed = s.seed): Decision {
  return decide(
    request({ client: s.client, affinityKey: s.affinityKey }),
    s.snap,
    s.policy,
    context(seed),
  );
}

function allowedByResidency(
  snap: AppSnapshot,
  id: string,
  clientContinent: Continent | null,
): boolean {
  const c = snap.clusters.get(id);
  if (c === undefined) return false;
  const r = snap.app.residency;
  switch (r.kind) {
    case 'any':
      return true;
    case 'continents':
      return r.continents.includes(c.continent);
    case 'regions':
      return r.regions.includes(c.region);
    case 'client-continent':
      return clientContinent !== null && clientContinent === c.continent;
  }
}

const RUNS = { numRuns: 400, seed: 20260101 };

describe('decide: properties over random snapshots', () => {
  it('never sends a residency-restricted app outside its regions (routed, panic, or fallback)', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const d = run(s);
        for (const id of [d.chosen, ...d.fallbacks]) {
          if (id !== null) expect(allowedByResidency(s.snap, id, s.client.continent)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('never routes normally to an unhealthy, draining, circuit-open, excluded, wrong-GPU or stale cluster', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const d = run(s);
        for (const id of d.outcome === 'routed' ? [d.chosen, ...d.fallbacks] : []) {
          if (id === null) continue;
          const st = s.snap.state.get(id);
          const status = s.snap.status.get(id);
          expect(st).toBeDefined();
          if (st === undefined) continue;
          expect(st.health).not.toBe('unhealthy');
          expect(NOW - st.observedAt).toBeLessThanOrEqual(s.policy.staleHardMs);
          expect(
            status?.health === 'unhealthy' ||
              status?.draining === true ||
              status?.circuitOpen === true,
          ).toBe(false);
          expect(s.snap.app.excludedClusters.includes(id)).toBe(false);
          if (s.snap.app.gpuTypes.length > 0)
            expect(s.snap.app.gpuTypes.includes(st.gpuType)).toBe(true);
        }
        // Panic overrides health only: never draining, excluded or wrong hardware.
        if (d.outcome === 'panic' && d.chosen !== null) {
          const chosen = d.candidates.find((c) => c.clusterId === d.chosen);
          for (const q of chosen?.disqualifications ?? [])
            expect(['unhealthy', 'stale', 'circuit-open', 'no-state', 'no-capacity']).toContain(
              q.code,
            );
          expect(s.policy.panic).toBe('least-bad');
          expect(d.candidates.every((c) => c.disqualifications.length > 0)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('with the switchyard strategy, a hot cluster always beats warm-only and cold-only ones', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const snap: AppSnapshot = { ...s.snap, app: { ...s.snap.app, strategy: 'switchyard' } };
        const d = decide(request({ client: s.client }), snap, s.policy, context(s.seed));
        const eligible = d.candidates.filter((c) => c.disqualifications.length === 0);
        const eligibleTiers = eligible.map((c) => c.tier);
        if (s.policy.model === 'ttft') {
          // ttft: never start a replica while a loaded one (free or queueing) is eligible.
          const loaded = (id: string | null): boolean => {
            const st = id === null ? undefined : snap.state.get(id);
            return st !== undefined && st.hotBusy + st.hotFree > 0;
          };
          if (eligible.some((c) => loaded(c.clusterId))) expect(loaded(d.chosen)).toBe(true);
          else if (eligibleTiers.includes('hot')) expect(d.tier).toBe('hot');
          else if (eligibleTiers.includes('warm')) expect(d.tier).toBe('warm');
        } else if (eligibleTiers.includes('hot')) expect(d.tier).toBe('hot');
        else if (eligibleTiers.includes('warm')) expect(d.tier).toBe('warm');
        if (d.outcome === 'routed') {
          const total = d.candidates.reduce((sum, c) => sum + c.probability, 0);
          expect(total).toBeCloseTo(1, 9);
        }
      }),
      RUNS,
    );
  });

  it('same seed → same decision', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        expect(run(s)).toEqual(run(s));
      }),
      { ...RUNS, numRuns: 150 },
    );
  });

  it('explains every candidate and every disqualification; eligible iff none', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const d = run(s);
        const ids = [...new Set(s.snap.app.clusters)];
        expect(d.candidates.map((c) => c.clusterId)).toEqual(ids);
        for (const c of d.candidates) {
          const codes = new Set(c.disqualifications.map((q) => q.code));
          const st = s.snap.state.get(c.clusterId);
          const status = s.snap.status.get(c.clusterId);
          // An independent oracle for the reasons that must be recorded.
          if (st === undefined) expect(codes.has('no-state')).toBe(true);
          else if (NOW - st.observedAt > s.policy.staleHardMs)
            expect(codes.has('stale')).toBe(true);
          else {
            if (st.health === 'unhealthy') expect(codes.has('unhealthy')).toBe(true);
            // A full cluster is disqualified unless admitted to queue (ttft, loaded replicas, nothing
            // else wrong, and no eligible cluster that can start a replica: full-clusters-queue.test.ts).
            if (st.hotFree + st.warm + st.cold === 0 && !codes.has('no-capacity')) {
              const startable = d.candidates.some((x) => {
                const xs = s.snap.state.get(x.clusterId);
                return x.disqualifications.length === 0 && xs !== undefined && (xs.warm > 0 || xs.cold > 0);
              });
              expect({ model: s.policy.model, busy: st.hotBusy > 0, startable, codes: codes.size }).toEqual({ model: 'ttft', busy: true, startable: false, codes: 0 });
            }
          }
          if (status?.draining === true) expect(codes.has('draining')).toBe(true);
          if (status?.circuitOpen === true) expect(codes.has('circuit-open')).toBe(true);
          if (status?.health === 'unhealthy') expect(codes.has('unhealthy')).toBe(true);
          if (s.snap.app.excludedClusters.includes(c.clusterId))
            expect(codes.has('excluded')).toBe(true);
          if (!allowedByResidency(s.snap, c.clusterId, s.client.continent))
            expect(codes.has('residency')).toBe(true);
          if (codes.size > 0) expect(c.weight).toBe(0);
          for (const q of c.disqualifications) expect(q.detail).not.toBe('');
        }
        if (d.outcome === 'no-candidate') expect(d.chosen).toBeNull();
        else expect(d.candidates.some((c) => c.clusterId === d.chosen)).toBe(true);
      }),
      RUNS,
    );
  });
});
