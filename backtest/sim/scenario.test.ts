import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BacktestError } from '../errors.ts';
import { HPA_DEFAULTS, KPA_DEFAULTS } from './autoscaler.ts';
import { parseScenario } from './scenario.ts';

const BASE = `
name: t
durationHours: 1
traffic:
  ratePerSecond: 10
  durations: [{ weight: 1, meanSeconds: 2 }]
  clients: [{ name: paris, lat: 48.8, lon: 2.3, continent: EU, country: FR, weight: 1 }]
apps: [{ id: acme/chat, share: 1 }]
clusters:
  - { id: gpu, region: eu-west, provider: aws, pricePerHour: 2, count: 3 }
`;

function problemsOf(yaml: string): readonly string[] {
  try {
    parseScenario(yaml, 'bad.yaml');
  } catch (e) {
    if (e instanceof BacktestError) return e.problems;
    throw e;
  }
  return [];
}

describe('scenario: valid', () => {
  it('defaults everything and expands count', () => {
    const s = parseScenario(BASE, 't.yaml');
    expect(s.clusters.map((c) => c.id)).toEqual(['gpu-1', 'gpu-2', 'gpu-3']);
    expect(s.apps[0]?.clusters).toEqual(['gpu-1', 'gpu-2', 'gpu-3']);
    expect(s.tickSeconds).toBe(1);
    expect(s.strategies).toContain('switchyard');
    expect(s.clusters[0]?.continent).toBe('EU');
  });

  it.each(readdirSync(join(import.meta.dirname, '../../examples/scenarios')).filter((f) => f.endsWith('.yaml')))('example %s validates', (f) => {
    const path = join(import.meta.dirname, '../../examples/scenarios', f);
    expect(parseScenario(readFileSync(path, 'utf8'), path).name.length).toBeGreaterThan(0);
  });
});

describe('scenario: autoscaler', () => {
  const scalers = (yaml: string) => parseScenario(yaml, 't.yaml').clusters.map((c) => c.autoscaler);
  const two = BASE.replace('count: 3 }', 'count: 1 }\n  - { id: other, region: eu-west, provider: aws, pricePerHour: 2, autoscaler: { kind: instant } }');

  it.each([
    { name: 'default: kpa with Knative\'s documented defaults', yaml: BASE, want: [KPA_DEFAULTS, KPA_DEFAULTS, KPA_DEFAULTS] },
    { name: 'top-level instant reaches every cluster', yaml: `${BASE}autoscaler: { kind: instant }\n`, want: [{ kind: 'instant' }, { kind: 'instant' }, { kind: 'instant' }] },
    { name: 'per-cluster kind beats the default', yaml: two, want: [KPA_DEFAULTS, { kind: 'instant' }] },
    {
      name: 'top-level tuning, a cluster overriding one field',
      yaml: `${BASE.replace('count: 3 }', 'count: 1, autoscaler: { stableWindowSeconds: 120 } }')}autoscaler: { targetUtilization: 0.8, tickSeconds: 1 }\n`,
      want: [{ ...KPA_DEFAULTS, targetUtilization: 0.8, tickSeconds: 1, stableWindowSeconds: 120 }],
    },
    {
      name: 'hpa with its defaults, one field tuned',
      yaml: `${BASE.replace('count: 3 }', 'count: 1 }')}autoscaler: { kind: hpa, syncPeriodSeconds: 30 }\n`,
      want: [{ ...HPA_DEFAULTS, syncPeriodSeconds: 30 }],
    },
    {
      name: 'a cluster of another kind than the top level ignores its tuning',
      yaml: `${BASE.replace('count: 3 }', 'count: 1, autoscaler: { kind: kpa } }')}autoscaler: { kind: hpa, tolerance: 0 }\n`,
      want: [KPA_DEFAULTS],
    },
  ])('$name', ({ yaml, want }) => {
    expect(scalers(yaml)).toEqual(want);
  });

  it.each([
    ['unknown kind', `${BASE}autoscaler: { kind: keda }\n`, 'autoscaler.kind'],
    ['tuning an instant autoscaler', `${BASE}autoscaler: { kind: instant, tolerance: 0.2 }\n`, 'autoscaler: tolerance do not apply to kind instant'],
    ['an hpa field on the default kpa', BASE.replace('count: 3 }', 'count: 3, autoscaler: { syncPeriodSeconds: 30 } }'), 'clusters[0].autoscaler: syncPeriodSeconds do not apply to kind kpa'],
    ['a kpa field under a top-level hpa', `${BASE.replace('count: 3 }', 'count: 3, autoscaler: { stableWindowSeconds: 30 } }')}autoscaler: { kind: hpa }\n`, 'clusters[0].autoscaler: stableWindowSeconds do not apply to kind hpa'],
    ['zero stable window', BASE.replace('count: 3 }', 'count: 3, autoscaler: { stableWindowSeconds: 0 } }'), 'clusters[0].autoscaler.stableWindowSeconds'],
    ['target above 100 %', `${BASE}autoscaler: { targetUtilization: 1.5 }\n`, 'autoscaler.targetUtilization'],
    ['negative tolerance', `${BASE}autoscaler: { kind: hpa, tolerance: -0.1 }\n`, 'autoscaler.tolerance'],
    ['hpa that cannot scale up', `${BASE}autoscaler: { kind: hpa, scaleUpPods: 0, scaleUpPercent: 0 }\n`, 'autoscaler: scaleUpPods and scaleUpPercent are both 0'],
    ['unknown field', `${BASE}autoscaler: { panicWindow: 6 }\n`, 'panicWindow'],
  ])('invalid: %s', (_name, yaml, expected) => {
    expect(problemsOf(yaml).join('\n')).toContain(expected);
  });
});

describe('backtest/scenarios', () => {
  const dir = join(import.meta.dirname, '../scenarios');
  const load = (f: string) => parseScenario(readFileSync(join(dir, f), 'utf8'), f);

  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s validates', (f) => {
    expect(load(f).name.length).toBeGreaterThan(0);
  });

  it.each([
    ['price-crash.yaml', 'price-crash-control.yaml'],
    ['price-crash-plentiful.yaml', 'price-crash-plentiful-control.yaml'],
  ])('the control of %s is the file without the price change, nothing else', (crashFile, controlFile) => {
    const crash = load(crashFile);
    const control = load(controlFile);
    expect(crash.prices.length).toBeGreaterThan(0);
    expect(control.prices).toEqual([]);
    const rest = (s: typeof crash) => ({ ...s, name: '', description: '', prices: [] });
    expect(rest(control)).toEqual(rest(crash));
  });

  // The plentiful variant must stay the same fleet and traffic: only coreweave's room, and a cut
  // in it instead of the load surge, tell it apart (so its numbers read against price-crash's).
  it('price-crash-plentiful is price-crash with room on coreweave and a cut in it, nothing else', () => {
    const old = load('price-crash.yaml');
    const room = load('price-crash-plentiful.yaml');
    const same = (s: typeof old) => ({
      seed: s.seed,
      durationHours: s.durationHours,
      traffic: s.traffic,
      apps: s.apps,
      prices: s.prices,
      others: s.clusters.filter((c) => c.provider !== 'coreweave'),
      coreweave: s.clusters.filter((c) => c.provider === 'coreweave').map((c) => ({ ...c, maxReplicas: 0, warmNodes: 0, coldNodes: 0 })),
    });
    expect(same(room)).toEqual(same(old));
    for (const c of room.clusters.filter((c) => c.provider === 'coreweave')) expect(c.maxReplicas).toBeGreaterThan(30);
    expect(room.incidents.map((i) => i.kind)).toEqual(['capacity-drain', 'capacity-drain']);
  });
});

describe('scenario: invalid', () => {
  it.each([
    ['unknown region', BASE.replace('region: eu-west', 'region: eu-wets'), 'clusters[0].region: unknown region "eu-wets"'],
    ['missing rate', BASE.replace('ratePerSecond: 10', ''), 'traffic.ratePerSecond'],
    ['unknown key', BASE.replace('name: t', 'name: t\nbogus: 1'), 'bogus'],
    ['bad strategy', `${BASE}strategies: [fastest]`, 'strategies[0]'],
    ['unknown incident cluster', `${BASE}incidents: [{ kind: cluster-outage, cluster: nope, startHours: 0, durationHours: 1 }]`, 'incidents[0].cluster: unknown cluster "nope"'],
    ['incident after the end', `${BASE}incidents: [{ kind: cluster-outage, cluster: gpu, startHours: 5, durationHours: 1 }]`, 'incidents[0].startHours'],
    ['price for unknown provider', `${BASE}prices: [{ atHours: 0, provider: gcp, pricePerHour: 1 }]`, 'prices[0].provider'],
    ['bad residency', BASE.replace('share: 1 }', 'share: 1, residency: { kind: continents, continents: [XX] } }'), 'apps[0].residency'],
    // Per-app results (rejections, residency violations) are reported by id: two apps under one id were merged.
    ['duplicate app id', BASE.replace('apps: [{ id: acme/chat, share: 1 }]', 'apps: [{ id: acme/chat, share: 1 }, { id: acme/chat, share: 2 }]'), 'apps[1].id: duplicate app "acme/chat" (also apps[0])'],
    ['duplicate cluster id', `${BASE}  - { id: gpu-2, region: eu-west, provider: aws, pricePerHour: 2 }\n`, 'clusters[1].id: duplicate cluster "gpu-2" (clusters[0] with count 3 makes gpu-1..gpu-3)'],
    ['window after the end', `${BASE}windows: [{ name: late, startHours: 2, durationHours: 1 }]`, 'windows[0].startHours: starts after the scenario ends (1 h)'],
    ['price change after the end', `${BASE}prices: [{ atHours: 3, provider: aws, pricePerHour: 1 }]`, 'prices[0].atHours: after the scenario ends (1 h)'],
  ])('%s', (_name, yaml, expected) => {
    const problems = problemsOf(yaml);
    expect(problems.join('\n')).toContain(expected);
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(() => parseScenario('a: [', 'broken.yaml')).toThrow(/broken.yaml: not valid YAML/);
  });
});
