import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';

// eu-west-a keeps reporting healthy but answers half its requests with 5xx from
// 0.05 h; the proxies' outcome reports reach the edge with the state (every 2 s,
// 1 s late). The ttft model must move its traffic away within a minute; the
// previous weights model cannot see outcomes at all.
// Half the small fleet's load, so the others have room to take eu-west-a's traffic: at full
// load every other cluster runs out of nodes and the failing one is the only one with room.
const SCENARIO = `${SMALL_SCENARIO.replace(/incidents:[\s\S]*$/, '').replace('ratePerSecond: 40', 'ratePerSecond: 20')}
incidents:
  - { kind: partial-failure, cluster: eu-west-a, errorRate: 0.5, startHours: 0.05, durationHours: 0.1 }
windows:
  - { name: before, startHours: 0.02, durationHours: 0.03 }
  - { name: second minute, startHours: 0.066667, durationHours: 0.016667 }
`;

describe('a gray-failing cluster (healthy reports, 50 % 5xx)', () => {
  const report = simulate(parseScenario(SCENARIO, 'gray.yaml'), { strategies: ['switchyard', 'switchyard-v1'] });
  const share = (strategy: string, window: number): number =>
    report.strategies.find((s) => s.strategy === strategy)?.windows[window]?.shareByCluster['eu-west-a'] ?? NaN;

  it('had real traffic before the failure', () => {
    expect(share('switchyard', 0)).toBeGreaterThan(0.1);
  });

  it('keeps under 10 % of the traffic from the second minute on under switchyard', () => {
    expect(share('switchyard', 1)).toBeLessThan(0.1);
  });

  it('keeps its share under the weights model, which cannot see outcomes', () => {
    expect(share('switchyard-v1', 1)).toBeGreaterThan(0.1);
  });

  it('counts the 5xx answers as failed requests', () => {
    const by = (s: string): number => report.strategies.find((r) => r.strategy === s)?.replicaErrors ?? 0;
    expect(by('switchyard')).toBeGreaterThan(0);
    expect(by('switchyard')).toBeLessThan(by('switchyard-v1') / 2);
  });
});
