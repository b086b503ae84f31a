import { describe, expect, it } from 'vitest';
import { DemandWindow, HPA_DEFAULTS, KPA_DEFAULTS, ScalerState, decidesAt, replicasToAdd, type AutoscalerSpec, type HpaAutoscaler, type KpaAutoscaler } from './autoscaler.ts';

/** A state whose windows hold `stable` samples then `panic` samples (1 s ticks), panicking since `panicSinceMs` if given. */
function state(spec: AutoscalerSpec, samples: readonly number[], panicSinceMs: number | null = null, maxPanicPods = 0): ScalerState {
  const st = new ScalerState(spec, 1);
  for (const x of samples) st.add(x);
  st.panicSinceMs = panicSinceMs;
  st.maxPanicPods = maxPanicPods;
  return st;
}
const steady = (x: number, n = 60): number[] => Array<number>(n).fill(x);
const input = (replicas: number, starting = 0) => ({ replicas, starting, concurrencyPerReplica: 8 });

describe('kpa autoscaler rule (Knative defaults: 70 % of 8 = 5.6 per replica, 60 s stable, 6 s panic at 200 %)', () => {
  it.each([
    { name: 'idle', samples: steady(0), replicas: 2, want: 0, panics: false },
    { name: 'at the target', samples: steady(11.2), replicas: 2, want: 0, panics: false },
    { name: 'full (16 of 16 slots) for a minute: above the 70 % target', samples: steady(16), replicas: 2, want: 1, panics: false },
    { name: 'a one-second queue at 60 % load barely moves the 60 s mean', samples: [...steady(9.6, 59), 20], replicas: 2, want: 0, panics: false },
    { name: 'a one-second 3x spike: the 6 s mean asks for 3 pods, under 200 % of 2', samples: [...steady(6, 59), 30], replicas: 2, want: 0, panics: false },
    { name: 'a 6 s burst at 2x the target capacity panics', samples: [...steady(6, 54), ...steady(23, 6)], replicas: 2, want: 3, panics: true },
    { name: 'starting replicas count in the current scale', samples: steady(16), replicas: 2, starting: 1, want: 0, panics: false },
    { name: 'stable mode aims at the 60 s mean', samples: steady(33.6), replicas: 4, want: 2, panics: false },
    { name: 'far over the target: panics too', samples: steady(56), replicas: 4, want: 6, panics: true },
  ])('$name → +$want', ({ samples, replicas, starting, want, panics }) => {
    const st = state(KPA_DEFAULTS, samples);
    expect(replicasToAdd(KPA_DEFAULTS, st, input(replicas, starting), 60_000)).toBe(want);
    expect(st.panicSinceMs !== null).toBe(panics);
  });

  it.each([
    // (panic since, max panic pods, now) → still panicking, to add (2 replicas, calm windows)
    { name: 'a panic holds its peak while calm for less than a stable window', since: 100_000, max: 6, now: 150_000, panics: true, want: 4 },
    { name: 'and ends after a whole calm stable window', since: 100_000, max: 6, now: 160_000, panics: false, want: 0 },
  ])('$name', ({ since, max, now, panics, want }) => {
    const st = state(KPA_DEFAULTS, steady(6), since, max);
    expect(replicasToAdd(KPA_DEFAULTS, st, input(2), now)).toBe(want);
    expect(st.panicSinceMs !== null).toBe(panics);
  });

  it.each([
    { name: 'target utilization 100 %', spec: { targetUtilization: 1 }, samples: steady(16), want: 0 },
    { name: 'no panic mode (threshold 1000 %)', spec: { panicThresholdPercent: 1000 }, samples: [...steady(6, 54), ...steady(23, 6)], want: 0 },
    { name: 'a 6 s stable window follows the burst', spec: { stableWindowSeconds: 6 }, samples: [...steady(6, 54), ...steady(23, 6)], want: 3 },
  ])('overrides: $name', ({ spec, samples, want }) => {
    const s: KpaAutoscaler = { ...KPA_DEFAULTS, ...spec };
    expect(replicasToAdd(s, state(s, samples), input(2), 60_000)).toBe(want);
  });
});

describe('hpa autoscaler rule (KEDA on running + waiting, target 8 per replica, 10 % tolerance)', () => {
  it.each([
    { name: 'idle', demand: 0, replicas: 2, starting: 0, want: 0 },
    { name: 'full, no queue', demand: 16, replicas: 2, starting: 0, want: 0 },
    { name: 'a short queue inside the 10 % tolerance', demand: 17.6, replicas: 2, starting: 0, want: 0 },
    { name: 'just past the tolerance', demand: 17.7, replicas: 2, starting: 0, want: 1 },
    { name: 'twice the capacity', demand: 32, replicas: 2, starting: 0, want: 2 },
    { name: 'starting replicas count in the current scale, at zero load', demand: 32, replicas: 2, starting: 2, want: 0 },
    { name: 'scale-up capped at +4 pods when that beats +100 %', demand: 200, replicas: 2, starting: 0, want: 4 },
    { name: 'scale-up capped at +100 % when that beats +4 pods', demand: 1000, replicas: 10, starting: 0, want: 10 },
    { name: 'from zero: KEDA wakes one replica', demand: 40, replicas: 0, starting: 0, want: 1 },
    { name: 'from zero with no demand: stays at zero', demand: 0, replicas: 0, starting: 0, want: 0 },
  ])('$name → +$want', ({ demand, replicas, starting, want }) => {
    expect(replicasToAdd(HPA_DEFAULTS, state(HPA_DEFAULTS, [demand]), input(replicas, starting), 0)).toBe(want);
  });

  it.each([
    { name: 'no tolerance: any excess counts', spec: { tolerance: 0 }, demand: 16.5, want: 1 },
    { name: 'policy of +1 pod or +0 %', spec: { scaleUpPods: 1, scaleUpPercent: 0 }, demand: 64, want: 1 },
    { name: 'target 70 %', spec: { targetUtilization: 0.7 }, demand: 16, want: 1 },
  ])('overrides: $name', ({ spec, demand, want }) => {
    const s: HpaAutoscaler = { ...HPA_DEFAULTS, ...spec };
    expect(replicasToAdd(s, state(s, [demand]), input(2), 0)).toBe(want);
  });
});

describe('when each autoscaler decides', () => {
  it.each([
    // (kind, t, tick, current replicas) → decides
    { spec: KPA_DEFAULTS, t: 2000, tick: 1000, current: 2, want: true },
    { spec: KPA_DEFAULTS, t: 3000, tick: 1000, current: 2, want: false },
    { spec: HPA_DEFAULTS, t: 0, tick: 1000, current: 2, want: true },
    { spec: HPA_DEFAULTS, t: 14_000, tick: 1000, current: 2, want: false },
    { spec: HPA_DEFAULTS, t: 15_000, tick: 1000, current: 2, want: true },
    { spec: HPA_DEFAULTS, t: 15_000, tick: 1000, current: 0, want: false },
    { spec: HPA_DEFAULTS, t: 30_000, tick: 1000, current: 0, want: true },
    // ticks that do not divide the period still decide on every crossing
    { spec: HPA_DEFAULTS, t: 20_000, tick: 10_000, current: 2, want: true },
    { spec: HPA_DEFAULTS, t: 40_000, tick: 10_000, current: 2, want: false },
    { spec: HPA_DEFAULTS, t: 50_000, tick: 10_000, current: 2, want: true },
    { spec: { kind: 'instant' } as const, t: 2000, tick: 1000, current: 2, want: false },
  ])('$spec.kind at t=$t (tick $tick, current $current): $want', ({ spec, t, tick, current, want }) => {
    expect(decidesAt(spec, t, tick, current)).toBe(want);
  });
});

describe('demand window', () => {
  it.each([
    { name: 'empty', size: 3, xs: [], want: 0 },
    { name: 'filling', size: 3, xs: [3, 6], want: 4.5 },
    { name: 'full', size: 3, xs: [3, 6, 9], want: 6 },
    { name: 'oldest samples roll out', size: 3, xs: [100, 100, 1, 2, 3], want: 2 },
    { name: 'a one-sample blip in a 30-sample window', size: 30, xs: [...steady(16, 29), 46], want: 17 },
  ])('$name', ({ size, xs, want }) => {
    const w = new DemandWindow(size);
    for (const x of xs) w.add(x);
    expect(w.mean()).toBeCloseTo(want, 9);
  });
});
