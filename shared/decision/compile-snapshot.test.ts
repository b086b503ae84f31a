import { describe, expect, it } from 'vitest';
import { estimateRttMs } from '../geo/rtt-model.ts';
import { compileSnapshot } from './compile-snapshot.ts';
import { cluster, measurement, snapshot, state } from './test-fixtures.ts';

const EU = cluster('eu-1', 'eu-west');
const AP = cluster('ap-1', 'ap-southeast');

describe('compileSnapshot', () => {
  it('is computed once per snapshot object', () => {
    const snap = snapshot({ clusters: [EU, AP] });
    expect(compileSnapshot(snap)).toBe(compileSnapshot(snap));
    expect(compileSnapshot(snapshot({ clusters: [EU, AP] }))).not.toBe(compileSnapshot(snap));
  });

  it('keeps deployment order and counts a cluster listed twice once', () => {
    const snap = snapshot({ clusters: [EU, AP], deployed: ['ap-1', 'eu-1', 'ap-1'] });
    expect(compileSnapshot(snap).candidates.map((c) => [c.index, c.id])).toEqual([
      [0, 'ap-1'],
      [1, 'eu-1'],
    ]);
  });

  it.each<[string, Record<string, number>, number]>([
    ['missing weight is 1', {}, 1],
    ['configured weight', { 'eu-1': 0.25 }, 0.25],
    ['negative clamps to 0', { 'eu-1': -2 }, 0],
    ['non-finite is 1', { 'eu-1': Number.NaN }, 1],
  ])('static weight: %s', (_name, clusterWeights, expected) => {
    const c = compileSnapshot(snapshot({ clusters: [EU], app: { clusterWeights } })).candidates[0];
    expect(c?.staticWeight).toBe(expected);
    expect(c?.staticWeightModifier.factor).toBe(expected);
  });

  it("uses only the cluster's own proxy's newest measurement", () => {
    const snap = snapshot({
      clusters: [EU],
      latency: [
        measurement('eu-1', 'proxy-us-east', { rttMs: 70, observedAt: 50 }),
        measurement('eu-1', 'proxy-eu-west', { rttMs: 3, observedAt: 10 }),
        measurement('eu-1', 'proxy-eu-west', { rttMs: 4, observedAt: 20 }),
      ],
    });
    expect(compileSnapshot(snap).candidates[0]?.measured?.rttMs).toBe(4);
  });

  it('memoises geo RTTs per client location, NaN for unknown clusters', () => {
    const snap = snapshot({
      clusters: [EU, AP],
      deployed: ['eu-1', 'ghost', 'ap-1'],
      states: [state('eu-1'), state('ap-1')],
    });
    const compiled = compileSnapshot(snap);
    const here = { lat: 48.9, lon: 2.4 };
    const rtts = compiled.geoRttFrom(here);
    expect(compiled.geoRttFrom({ ...here })).toBe(rtts);
    expect(rtts[0]).toBeCloseTo(estimateRttMs(here, EU.location), 9);
    expect(rtts[1]).toBeNaN();
    expect(rtts[2]).toBeCloseTo(estimateRttMs(here, AP.location), 9);
    expect(compiled.geoRttFrom({ lat: 1, lon: 1 })).not.toBe(rtts);
  });
});
