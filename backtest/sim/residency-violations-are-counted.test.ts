import { describe, expect, it } from 'vitest';
import { parseScenario, SIM_STRATEGIES } from './scenario.ts';
import { simulate } from './simulate.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';

describe('residency under every strategy', () => {
  const report = simulate(parseScenario(SMALL_SCENARIO, 'small.yaml'), { strategies: SIM_STRATEGIES });
  const by = new Map(report.strategies.map((s) => [s.strategy, s]));

  it.each(SIM_STRATEGIES.filter((s) => s !== 'nearest-ignore-residency'))('%s never breaks residency', (name) => {
    const r = by.get(name);
    expect(r?.served).toBeGreaterThan(0);
    expect(r?.residencyViolations).toBe(0);
  });

  it('the deliberately broken nearest-ignore-residency is caught', () => {
    expect(by.get('nearest-ignore-residency')?.residencyViolations).toBeGreaterThan(100);
  });

  it('switchyard loses little to the outage', () => {
    // Switchyard reads the unhealthy row after one propagation delay, like the health-checked baselines.
    expect(by.get('switchyard')?.failed ?? 0).toBeLessThan((by.get('switchyard')?.requests ?? 0) * 0.05);
  });
});
