import { describe, expect, it } from 'vitest';
import { simMarkdownTable } from '../report/sim-report.ts';
import { StrategyMetrics } from './metrics.ts';
import { runStrategy } from './run-strategy.ts';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';

// All clients are in Paris; nearest-region sends nothing to New York, whose four minimum
// replicas idle for the whole run: the spend detail must show them as idle within the minimum
// (paid by any strategy), apart from what Paris grows above its own minimum.
const scenario = parseScenario(
  `
name: spend-split
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
  - { id: eu-west-a, region: eu-west, provider: lambda, pricePerHour: 2.5, minReplicas: 1, maxReplicas: 20, warmNodes: 4, coldNodes: 30, coldStartSeconds: 20 }
  - { id: us-east-a, region: us-east, provider: aws, pricePerHour: 4, minReplicas: 4, maxReplicas: 12 }
`,
  'spend-split.yaml',
);

describe('the spend detail says what the GPU money bought', () => {
  it.each([
    // one deployment, one 1 s tick at $3.6/h ($0.001 per replica): replicas, busy, min → split
    { name: 'busy above the minimum', replicas: 10, busy: 7.5, min: 4, want: { busy: 7.5, within: 0, above: 2.5 } },
    { name: 'busy under the minimum', replicas: 6, busy: 1.5, min: 4, want: { busy: 1.5, within: 2.5, above: 2 } },
    { name: 'idle at the minimum', replicas: 4, busy: 0, min: 4, want: { busy: 0, within: 4, above: 0 } },
    { name: 'starting replicas count as provisioned', replicas: 3, busy: 3.5, min: 2, want: { busy: 3, within: 0, above: 0 } },
  ])('split: $name', ({ replicas, busy, min, want }) => {
    const m = new StrategyMetrics('x', Int32Array.from([0]), ['r'], Int32Array.from([0]), ['p'], 1000, ['a']);
    m.ticked(1);
    m.replicaTime(replicas, busy, min, 0.001, 1);
    expect(m.result(0).spendDetail).toEqual({
      meanReplicas: replicas,
      meanBusy: want.busy,
      meanIdleWithinMin: want.within,
      meanIdleAboveMin: want.above,
      idleWithinMinCost: Math.round(want.within * 0.001 * 100) / 100,
      idleAboveMinCost: Math.round(want.above * 0.001 * 100) / 100,
    });
  });

  it("nearest-region: New York's idle minimum is idle within the minimums, and the parts add up", () => {
    const r = runStrategy(scenario, 'nearest-region', DEFAULT_POLICY);
    const p = r.spendDetail;
    expect(p?.meanIdleWithinMin ?? 0).toBeGreaterThanOrEqual(4);
    expect(p?.meanIdleWithinMin ?? 9).toBeLessThanOrEqual(5);
    const parts = (p?.meanBusy ?? 0) + (p?.meanIdleWithinMin ?? 0) + (p?.meanIdleAboveMin ?? 0);
    expect(Math.abs(parts - (p?.meanReplicas ?? 0))).toBeLessThanOrEqual(0.2);
    // New York's 4 idle replicas at $4/h for 0.1 h, at least.
    expect(p?.idleWithinMinCost ?? 0).toBeGreaterThanOrEqual(1.6);
    expect((p?.idleWithinMinCost ?? 0) + (p?.idleAboveMinCost ?? 0)).toBeLessThanOrEqual(r.cost);
  });

  it('the report lists it per strategy', () => {
    const md = simMarkdownTable(simulate(scenario, { strategies: ['nearest-region'] }));
    expect(md).toMatch(/Spend\n\n\* nearest-region: \$\d+ for [\d.]+ replicas on average: [\d.]+ busy, [\d.]+ idle within the minimums \(\$\d+\), [\d.]+ idle above them \(\$\d+\)/);
  });
});
