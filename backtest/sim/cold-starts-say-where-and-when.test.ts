import { describe, expect, it } from 'vitest';
import { simMarkdownTable } from '../report/sim-report.ts';
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
  });

  it('the report lists them per strategy', () => {
    const md = simMarkdownTable(simulate(scenario, { strategies: ['nearest-region'] }));
    expect(md).toMatch(/Cold starts\n\n\* nearest-region: \d+ cold \(warm 0\); at eu-west-a \d+; busiest hours h0 \d+; \d+ while the app had idle replicas on other clusters \(mean 4\.00\)/);
  });
});
