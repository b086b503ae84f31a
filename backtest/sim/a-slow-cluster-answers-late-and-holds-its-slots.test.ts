/**
 * The `slowdown` incident (a gray failure that still answers 2xx): requests that start at the
 * slow cluster get their first token `addedTtftMs` later and hold their slot `factor` × as long,
 * so the same load needs more of its slots. Checked under nearest-region, which keeps sending the
 * same clients there whatever happens, so only the incident changes between the two runs.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.ts';
import type { SimReport } from './simulate.ts';
import { simulate } from './simulate.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';

const WINDOWS = `windows:
  - { name: slow, startHours: 0.15, durationHours: 0.05 }
`;
const base = SMALL_SCENARIO.replace(/incidents:[\s\S]*$/, '').replace('ratePerSecond: 40', 'ratePerSecond: 20');
const withSlowdown = `${base}
incidents:
  - { kind: slowdown, cluster: eu-west-a, factor: 3, addedTtftMs: 2000, startHours: 0.1, durationHours: 0.1 }
${WINDOWS}`;
const without = `${base}
${WINDOWS}`;

const run = (yaml: string): SimReport => simulate(parseScenario(yaml, 'slow.yaml'), { strategies: ['nearest-region'] });

describe('a slowdown incident', () => {
  const slow = run(withSlowdown);
  const normal = run(without);
  const window = (r: SimReport) => r.strategies[0]?.windows[0];

  it('adds its first-token delay to the requests served there, and only there', () => {
    expect(window(normal)?.ttfbMs.p99).toBeLessThan(2000);
    expect(window(slow)?.ttfbMs.p99).toBeGreaterThanOrEqual(2000);
    expect(window(slow)?.ttfbMs.p50).toBe(window(normal)?.ttfbMs.p50);
  });

  it('holds the slow cluster slots longer, so it spends more for the same requests', () => {
    expect(window(slow)?.requests).toBe(window(normal)?.requests);
    expect(window(slow)?.cost ?? 0).toBeGreaterThan(window(normal)?.cost ?? Infinity);
  });

  it('refuses a factor below 1 and a negative delay, naming the field', () => {
    expect(() => parseScenario(withSlowdown.replace('factor: 3', 'factor: 0.5'), 'slow.yaml')).toThrow(/factor/);
    expect(() => parseScenario(withSlowdown.replace('addedTtftMs: 2000', 'addedTtftMs: -1'), 'slow.yaml')).toThrow(/addedTtftMs/);
  });
});
