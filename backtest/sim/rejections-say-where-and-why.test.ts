import { describe, expect, it } from 'vitest';
import { simMarkdownTable } from '../report/sim-report.ts';
import { StrategyMetrics, type RejectionContext } from './metrics.ts';
import { runStrategy } from './run-strategy.ts';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';

// All clients are in Paris. The Paris cluster cannot grow (no nodes beyond its one replica) and
// queues 2 per replica; New York has four idle replicas. Nearest-region piles everything on
// Paris: every rejection must be attributed to Paris, hour 0, the app, its class and client,
// and to "out of nodes"; its requests were all sent to the nearest cluster.
const scenario = parseScenario(
  `
name: rejected-where
seed: 5
durationHours: 0.05
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
  - { id: eu-west-a, region: eu-west, provider: lambda, pricePerHour: 2.5, minReplicas: 1, maxReplicas: 20, warmNodes: 0, coldNodes: 0, maxQueuePerReplica: 2 }
  - { id: us-east-a, region: us-east, provider: aws, pricePerHour: 4, minReplicas: 4, maxReplicas: 12 }
`,
  'rejected-where.yaml',
);

const base = { app: 'acme/chat', dc: 0, client: 0, stateAgeMs: 0, visibleFree: 0, visibleQueued: 0, trueQueued: 0, idleReplicasElsewhere: 0 } as const;

describe('rejections say where, when and why they happened', () => {
  it('nearest-region: every rejection is at Paris, hour 0, out of nodes, with New York idle', () => {
    const r = runStrategy(scenario, 'nearest-region', DEFAULT_POLICY);
    const d = r.rejectionDetail;
    expect(r.rejected).toBeGreaterThan(0);
    expect(d?.byCluster).toEqual({ 'eu-west-a': r.rejected });
    expect(d?.byHour).toEqual([r.rejected]);
    expect(d?.byApp).toEqual({ 'acme/chat': r.rejected });
    expect(d?.byClass).toEqual({ chat: r.rejected });
    expect(d?.byClient).toEqual({ paris: r.rejected });
    expect(d?.why).toEqual({ atMaxReplicas: 0, outOfNodes: r.rejected, beforeScaleUp: 0 });
    expect(d?.meanIdleReplicasElsewhere).toBe(4);
    expect(d?.meanTrueQueued ?? 3).toBeLessThanOrEqual(2);
    expect(r.distanceDetail?.farther).toBe(0);
  });

  it('least-connections sends to New York: those requests count as farther, with Paris sometimes free', () => {
    const r = runStrategy(scenario, 'least-connections', DEFAULT_POLICY);
    expect(r.distanceDetail?.farther).toBeGreaterThan(0);
    expect(r.distanceDetail?.meanExtraMs).toBeGreaterThan(50);
    expect(r.distanceDetail?.fartherWhileNearFree).toBeLessThanOrEqual(r.distanceDetail?.farther ?? 0);
  });

  it.each([
    { name: 'none', rejections: [] as RejectionContext[], want: { byCluster: {}, byHour: [], byClass: {}, byClient: {}, byApp: {}, why: { atMaxReplicas: 0, outOfNodes: 0, beforeScaleUp: 0 }, meanStateAgeMs: null, meanVisibleFree: null, meanVisibleQueued: null, meanTrueQueued: null, meanIdleReplicasElsewhere: null } },
    {
      name: 'weighted by requests rejected',
      rejections: [
        { ...base, cluster: 0, t: 10_000, n: 1, why: 'atMaxReplicas', stateAgeMs: 1000, visibleFree: 0.5, visibleQueued: 2, trueQueued: 10, idleReplicasElsewhere: 0 },
        { ...base, cluster: 1, t: 7_300_000, n: 3, dc: 1, client: 1, why: 'outOfNodes', stateAgeMs: 5000, visibleFree: 0.1, visibleQueued: 6, trueQueued: 30, idleReplicasElsewhere: 4 },
      ] as RejectionContext[],
      want: {
        byCluster: { a: 1, b: 3 },
        byHour: [1, 0, 3],
        byClass: { short: 1, long: 3 },
        byClient: { paris: 1, tokyo: 3 },
        byApp: { 'acme/chat': 4 },
        why: { atMaxReplicas: 1, outOfNodes: 3, beforeScaleUp: 0 },
        meanStateAgeMs: 4000,
        meanVisibleFree: 0.2,
        meanVisibleQueued: 5,
        meanTrueQueued: 25,
        meanIdleReplicasElsewhere: 3,
      },
    },
  ])('aggregation: $name', ({ rejections, want }) => {
    const m = new StrategyMetrics('x', Int32Array.from([0, 0]), ['r'], Int32Array.from([0, 0]), ['p'], 1000, ['a', 'b'], [], ['short', 'long'], ['paris', 'tokyo']);
    for (const c of rejections) m.rejectedAt(c);
    expect(m.result(0).rejectionDetail).toEqual(want);
  });

  it.each([
    // (rtt, nearest rtt, nearest free) per batch of n → farther, farther while near free, mean extra
    { name: 'near', batches: [{ rtt: 7, near: 5, free: true, n: 10 }], want: { farther: 0, fartherWhileNearFree: 0, meanExtraMs: null } },
    {
      name: 'farther, some while near was free',
      batches: [
        { rtt: 5, near: 5, free: false, n: 10 },
        { rtt: 25, near: 5, free: true, n: 2 },
        { rtt: 45, near: 5, free: false, n: 2 },
      ],
      want: { farther: 4, fartherWhileNearFree: 2, meanExtraMs: 30 },
    },
  ])('distance: $name', ({ batches, want }) => {
    const m = new StrategyMetrics('x', Int32Array.from([0]), ['r'], Int32Array.from([0]), ['p'], 1000, ['a']);
    for (const b of batches) m.distance(b.rtt, b.near, b.free, b.n);
    expect(m.result(0).distanceDetail).toMatchObject(want);
  });

  it('the report lists them per strategy', () => {
    const md = simMarkdownTable(simulate(scenario, { strategies: ['nearest-region'] }));
    expect(md).toMatch(/Rejections\n\n\* nearest-region: [\d,]+ rejected; at eu-west-a [\d,]+; hours h0 [\d,]+; apps acme\/chat [\d,]+; classes chat [\d,]+; clients paris [\d,]+; cluster at max replicas 0, out of nodes [\d,]+, before its scale-up counted 0; the row deciders read: \d+ ms old, \d+% of its slots free, [\d.]+ queued \(true [\d.]+\); the app's idle replicas elsewhere 4\.00/);
    expect(md).toMatch(/Distance\n\n\* nearest-region: network p50 [\d.]+ ms; 0 \(0\.0%\) sent farther than the nearest allowed cluster \(mean \+– ms\), 0 \(0\.0%\) while it had a free slot/);
  });
});
