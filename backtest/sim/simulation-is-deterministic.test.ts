import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';

/** Wall-clock timings are the only fields allowed to differ between two runs. */
function withoutTimings(r: ReturnType<typeof simulate>): unknown {
  return { ...r, strategies: r.strategies.map((s) => ({ ...s, wallMs: 0 })) };
}

describe('simulator determinism', () => {
  const s = parseScenario(SMALL_SCENARIO, 'small.yaml');
  const strategies = ['switchyard', 'least-connections', 'random'] as const;

  it('gives byte-identical JSON for the same scenario and seed', () => {
    const a = JSON.stringify(withoutTimings(simulate(s, { strategies })));
    const b = JSON.stringify(withoutTimings(simulate(s, { strategies })));
    expect(a).toBe(b);
  });

  it('feeds every strategy the same arrivals, and a different seed changes them', () => {
    const r = simulate(s, { strategies });
    const counts = new Set(r.strategies.map((x) => x.requests));
    expect(counts.size).toBe(1);
    expect([...counts][0]).toBeGreaterThan(10_000);
    const other = simulate({ ...s, seed: 'another' }, { strategies: ['switchyard'] });
    expect(other.strategies[0]?.requests).not.toBe(r.strategies[0]?.requests);
  });
});
