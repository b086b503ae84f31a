import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import { runStrategy } from './run-strategy.ts';
import { parseScenario } from './scenario.ts';

// Three clusters that cannot grow (no nodes beyond their two replicas), offered as much as they
// serve (48 requests in flight on average against 48 slots): most publications show every
// cluster full, and then every decision is the panic rule's. Its last tie-break is the id, so
// before the fix every decider sent all its overflow to `a-us-east` however long its queue
// (here 173 of 180 rejections; americas-hpa's first hour: 1,801 of 1,843 at one cluster while
// another had 1 queued). Now the overflow goes where the queue drains soonest; and since no
// cluster can start a replica, the full ones are candidates whose queue terms say where
// (`shared/decision/full-clusters-queue.test.ts`).
const scenario = parseScenario(
  `
name: saturated
seed: 3
durationHours: 0.1
tickSeconds: 1
propagation: { intervalSeconds: 2, delaySeconds: 1 }
traffic:
  ratePerSecond: 12
  durations:
    - { name: chat, weight: 1, meanSeconds: 4 }
  clients:
    - { name: chicago, lat: 41.9, lon: -87.6, continent: NA, country: US, weight: 1 }
apps:
  - { id: acme/chat, share: 1 }
clusters:
  - { id: a-us-east, region: us-east, provider: aws, pricePerHour: 4, minReplicas: 2, maxReplicas: 2, warmNodes: 0, coldNodes: 0 }
  - { id: b-us-central, region: us-central, provider: gcp, pricePerHour: 4, minReplicas: 2, maxReplicas: 2, warmNodes: 0, coldNodes: 0 }
  - { id: c-us-west, region: us-west, provider: lambda, pricePerHour: 4, minReplicas: 2, maxReplicas: 2, warmNodes: 0, coldNodes: 0 }
`,
  'saturated.yaml',
);

describe('a saturated fleet spreads its overflow by expected queue wait', () => {
  const sy = runStrategy(scenario, 'switchyard', DEFAULT_POLICY);
  const random = runStrategy(scenario, 'random', DEFAULT_POLICY);
  const lc = runStrategy(scenario, 'least-connections', DEFAULT_POLICY);

  it('does not send the overflow to the cluster whose id sorts first', () => {
    const by = sy.rejectionDetail?.byCluster ?? {};
    expect(sy.rejected).toBeGreaterThan(0);
    // Every cluster rejects some (all are full), none two thirds of them (before: 173 of 180 at a-us-east).
    for (const id of ['a-us-east', 'b-us-central', 'c-us-west']) {
      expect(by[id] ?? 0, id).toBeGreaterThan(0);
      expect(by[id] ?? 0, id).toBeLessThan((2 / 3) * sy.rejected);
    }
  });

  it('rejects no more than a random spread, which reads no state at all', () => {
    expect(sy.rejected).toBeLessThanOrEqual(random.rejected * 1.1);
  });

  // Before the full clusters could queue (they were disqualified while one showed a free slot,
  // which then took every decider's traffic), the mean was 3.6 s against random's 2.3 s.
  it('serves faster on average than random and least-connections: the full clusters queue by predicted wait', () => {
    const mean = (r: typeof sy): number => r.ttfbMs.mean ?? Infinity;
    expect(mean(sy)).toBeLessThan(mean(random));
    expect(mean(sy)).toBeLessThan(mean(lc));
  });
});
