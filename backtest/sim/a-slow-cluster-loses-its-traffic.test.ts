/**
 * A gray failure that answers 2xx, slowly: eu-west-a keeps reporting healthy with free slots, but
 * from 0.1 h each request there holds its slot 4 × as long and gets its first token 1.5 s later.
 * The proxies' outcome rows carry each request's TTFB (queue wait + the delay, measured next to
 * the cluster; the snapshot reads their mean and least), and reach the edge with the state (every 2 s, 1 s late). The ttft model's slowness
 * term must move the traffic away within the second minute; the weights model (switchyard-v1)
 * reads no TTFB. Same shape as gray-failing-cluster-loses-its-traffic.test.ts (5xx).
 */
import { describe, expect, it } from 'vitest';
import { OutcomeWindow } from './fleet.ts';
import { parseScenario } from './scenario.ts';
import type { SimStrategy } from './scenario.ts';
import type { SimReport } from './simulate.ts';
import { simulate } from './simulate.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';

// Half the small fleet's load, so the others have room, on four loaded replicas per cluster from
// the start: the fixture's cold fleet queues everywhere in its first minutes, and its small EU
// side is still settling at 0.1 h (seed 11 then keeps 8.5 % in the second minute).
const scenario = (seed: number): string => `${SMALL_SCENARIO.replace(/incidents:[\s\S]*$/, '')
  .replace('ratePerSecond: 40', 'ratePerSecond: 20')
  .replace('seed: 11', `seed: ${seed}`)
  .replaceAll('maxReplicas: 12 }', 'maxReplicas: 12, minReplicas: 4 }')
  .replace('maxReplicas: 8 }', 'maxReplicas: 8, minReplicas: 4 }')}
incidents:
  - { kind: slowdown, cluster: eu-west-a, factor: 4, addedTtftMs: 1500, startHours: 0.1, durationHours: 0.1 }
windows:
  - { name: before, startHours: 0.07, durationHours: 0.03 }
  - { name: second minute, startHours: 0.116667, durationHours: 0.016667 }
  - { name: rest, startHours: 0.133333, durationHours: 0.066667 }
`;

const run = (seed: number, strategies: SimStrategy[]): SimReport =>
  simulate(parseScenario(scenario(seed), 'slow-gray.yaml'), { strategies });

const share = (report: SimReport, strategy: string, window: number): number =>
  report.strategies.find((s) => s.strategy === strategy)?.windows[window]?.shareByCluster['eu-west-a'] ?? NaN;

describe('the simulated proxies report observed TTFB', () => {
  it('as the mean and the least of the successful requests in the outcome window, null when none', () => {
    const w = new OutcomeWindow();
    expect(w.ttfbMs(1_000)).toBeNull();
    w.record(1_000, 5, 1);
    expect([w.ttfbMs(1_000), w.ttfbMinMs(1_000)]).toEqual([null, null]);
    w.recordTtfb(1_000, 3, 100);
    w.recordTtfb(7_000, 1, 1_700);
    expect([w.ttfbMs(7_000), w.ttfbMinMs(7_000)]).toEqual([500, 100]);
    // The first bucket leaves the window (6 buckets of 5 s) first, then the second.
    expect([w.ttfbMs(32_000), w.ttfbMinMs(32_000)]).toEqual([1_700, 1_700]);
    expect([w.ttfbMs(40_000), w.ttfbMinMs(40_000)]).toEqual([null, null]);
  });
});

describe('a slow cluster (healthy reports, 2xx, +1.5 s to first token, slots held 4 ×)', () => {
  const report = run(11, ['switchyard', 'switchyard-v1']);

  it('had real traffic before the slowdown', () => {
    expect(share(report, 'switchyard', 0)).toBeGreaterThan(0.1);
  });

  // Several seeds, so the bar is not met by one lucky random stream. Measured 2.6–5.3 % (18–22 %
  // before the term, as under switchyard-v1). Some always goes back: each time the slow cluster's
  // outcome window empties (no evidence: no term) until the new requests' TTFBs reach the edge,
  // and the EU-only app has one other EU cluster.
  it.each([11, 1, 2, 3])('keeps under 7 % of the traffic from the second minute on under switchyard (seed %i)', (seed) => {
    const r = seed === 11 ? report : run(seed, ['switchyard']);
    expect(share(r, 'switchyard', 1)).toBeLessThan(0.07);
    expect(share(r, 'switchyard', 2)).toBeLessThan(0.07);
  });

  it('keeps its share under the weights model, which reads no TTFB', () => {
    expect(share(report, 'switchyard-v1', 1)).toBeGreaterThan(0.1);
    expect(share(report, 'switchyard-v1', 2)).toBeGreaterThan(0.1);
  });
});
