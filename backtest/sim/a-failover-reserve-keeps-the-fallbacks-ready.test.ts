import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import type { Policy } from '../../shared/decision/types.ts';
import { runStrategy } from './run-strategy.ts';
import { validateScenario } from './scenario.ts';

// backtest/scenarios/eu-failover-surge.yaml on a short clock: an EU-only app with three EU
// clusters, the cheap big one (cw-eu-west) fails at 30 min while a London surge (from 15 min) is
// on. By default the price term has put most of the app on the cheap cluster and the fallbacks'
// autoscalers keep only the idle slots their own load needs, so the failover waits for cold
// starts; with ROUTE_FAILOVER_RESERVE=1 the fallbacks carry enough to take it at once
// (BENCHMARKS, "The failover reserve"; the 8 h file: outage p99 10.9 s → 103 ms).
const SURGE_AT = 0.25;
const OUTAGE_AT = 0.5;
const END = 1.25;

interface RawScenario {
  apps: Array<{ id: string; failoverReserve?: number }>;
  durationHours: number;
  incidents: unknown[];
  windows: unknown[];
}

const raw = parseYaml(readFileSync(new URL('../scenarios/eu-failover-surge.yaml', import.meta.url), 'utf8')) as RawScenario;
raw.durationHours = END;
raw.incidents = [
  { kind: 'load-surge', client: 'london', factor: 2.5, startHours: SURGE_AT, durationHours: 1 },
  { kind: 'cluster-outage', cluster: 'cw-eu-west', startHours: OUTAGE_AT, durationHours: END - OUTAGE_AT },
];
raw.windows = [{ name: 'outage', startHours: OUTAGE_AT, durationHours: END - OUTAGE_AT }];
const scenario = validateScenario(raw, 'eu-failover-surge.yaml (short clock)');
// The same with the reserve set on the EU-only app alone (its config's `failoverReserve`).
const euOnly = validateScenario(
  { ...raw, apps: raw.apps.map((a) => (a.id === 'bank/assistant' ? { ...a, failoverReserve: 1 } : a)) },
  'eu-failover-surge.yaml (short clock, failoverReserve on bank/assistant)',
);

function run(reserve: number) {
  const policy: Policy = { ...DEFAULT_POLICY, ttft: { ...DEFAULT_POLICY.ttft, failoverReserve: reserve } };
  return runStrategy(scenario, 'switchyard', policy);
}

describe('the failover reserve: a residency-bound app whose cheap cluster fails', () => {
  const off = run(DEFAULT_POLICY.ttft.failoverReserve);
  const on = run(1);
  const outageP99 = (r: typeof off): number => r.windows[0]?.ttfbMs.p99 ?? NaN;

  it('by default (off) the failover waits for cold starts: seconds of p99 in the outage', () => {
    expect(DEFAULT_POLICY.ttft.failoverReserve).toBe(0);
    expect(outageP99(off)).toBeGreaterThan(5000);
  });

  it('with ROUTE_FAILOVER_RESERVE=1 the fallbacks take the load at once: p99 under 500 ms, nothing rejected', () => {
    expect(outageP99(on)).toBeLessThan(500);
    expect(on.rejected).toBe(0);
  });

  it("with failoverReserve: 1 on the EU-only app alone (the policy's off) it is as ready: p99 under 500 ms", () => {
    const app = runStrategy(euOnly, 'switchyard', DEFAULT_POLICY);
    expect(outageP99(app)).toBeLessThan(500);
    expect(app.rejected).toBe(0);
  });
});
