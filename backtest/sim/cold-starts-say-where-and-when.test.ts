import { describe, expect, it } from 'vitest';
import { simMarkdownTable } from '../report/sim-report.ts';
import { StrategyMetrics } from './metrics.ts';
import { runStrategy } from './run-strategy.ts';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';

// All clients are in Paris; the Paris cluster has no warm nodes, so every replica it adds is a
// cold start, while the New York cluster keeps its four minimum replicas idle. Nearest-region
// piles everything on Paris: each cold start must be attributed to Paris, to its hour, and
// flagged as made while the app had idle replicas elsewhere.
const scenario = parseScenario(
  `
name: cold-where
seed: 5
durationHours: 0.1
tickSeconds: 1
traffic:
  ratePerSecond: 30
  durations:
    - { name: chat, weight: 1, meanSeconds: 4 }
  clients:
    - { name: paris, lat: 48.9, lon: 2.35, continent: EU, country: FR, weight: 1 }
apps:
  - { id: acme/chat, share: 1 }
clusters:
  - { id: eu-west-a, region: eu-west, provider: lambda, pricePerHour: 2.5, minReplicas: 1, maxReplicas: 20, warmNodes: 0, coldNodes: 30, coldStartSeconds: 20 }
  - { id: us-east-a, region: us-east, provider: aws, pricePerHour: 4, minReplicas: 4, maxReplicas: 12 }
`,
  'cold-where.yaml',
);

describe('cold starts say where and when they happened', () => {
  it('nearest-region: every cold start is at the Paris cluster, in hour 0, with New York idle', () => {
    const r = runStrategy(scenario, 'nearest-region', DEFAULT_POLICY);
    const c = r.coldStartDetail;
    expect(r.coldStarts).toBeGreaterThan(0);
    expect(c?.byCluster).toEqual({ 'eu-west-a': r.coldStarts, 'us-east-a': 0 });
    expect(c?.byHour).toEqual([r.coldStarts]);
    expect(c?.idleElsewhere).toBe(r.coldStarts);
    expect(c?.meanIdleReplicasElsewhere).toBe(4);
    expect(c?.meanOwnLoad ?? 0).toBeGreaterThan(1);
    expect(c?.meanVisibleFree ?? -1).toBeGreaterThanOrEqual(0);
    expect(c?.meanVisibleFree ?? 2).toBeLessThan(1);
  });

  it.each([
    // starts (cluster, hour, n, idle elsewhere, app load, own load, visible free) → detail
    { name: 'none', starts: [], want: { byCluster: { a: 0, b: 0 }, byHour: [], idleElsewhere: 0, meanIdleReplicasElsewhere: null, meanAppLoad: null, meanOwnLoad: null, meanVisibleFree: null } },
    {
      name: 'weighted by replicas started',
      starts: [
        { cluster: 0, t: 10_000, n: 1, idleReplicasElsewhere: 0, appLoad: 0.9, ownLoad: 1.1, visibleFree: 0.1 },
        { cluster: 1, t: 7_300_000, n: 3, idleReplicasElsewhere: 4, appLoad: 0.5, ownLoad: 1.3, visibleFree: 0.3 },
      ],
      want: { byCluster: { a: 1, b: 3 }, byHour: [1, 0, 3], idleElsewhere: 3, meanIdleReplicasElsewhere: 3, meanAppLoad: 0.6, meanOwnLoad: 1.25, meanVisibleFree: 0.25 },
    },
  ])('aggregation: $name', ({ starts, want }) => {
    const m = new StrategyMetrics('x', Int32Array.from([0, 0]), ['r'], Int32Array.from([0, 0]), ['p'], 1000, ['a', 'b']);
    for (const c of starts) m.coldStarted(c);
    const r = m.result(0);
    expect(r.coldStarts).toBe(starts.reduce((a, c) => a + c.n, 0));
    expect(r.coldStartDetail).toEqual(want);
  });

  it('the report lists them per strategy', () => {
    const md = simMarkdownTable(simulate(scenario, { strategies: ['nearest-region'] }));
    expect(md).toMatch(/Cold starts\n\n\* nearest-region: \d+ cold \(warm 0\); at eu-west-a \d+; busiest hours h0 \d+; \d+ while the app had idle replicas on other clusters \(mean 4\.00\); load at the start: own \d+\.\d\d, app pooled \d+\.\d\d; the row deciders read showed \d+% of its slots free/);
  });
});
