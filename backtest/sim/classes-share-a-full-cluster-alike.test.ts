import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';

// Requests of one tick arrive class after class, and the first class takes the free slots: with
// a fixed order the last classes did the queueing, and per-class tails (stream / long-job p99)
// measured that loop. The classes now take turns at going first.
// Two classes that differ only by name, on the small fleet while it scales up from its minimum
// (about half its requests queue), must queue alike: with the fixed order they differed by
// 14 % (nearest-region) and 22 % (switchyard); taking turns, by 1 % and 9 % (the seeded split
// of arrivals into classes).
const yaml = SMALL_SCENARIO.replace(/incidents:[\s\S]*$/, '')
  .replace('durationHours: 0.25', 'durationHours: 0.05')
  .replace(
    /durations:\n[\s\S]*?\n {2}clients:/,
    `durations:
    - { name: first, weight: 0.5, meanSeconds: 3 }
    - { name: second, weight: 0.5, meanSeconds: 3 }
  clients:`,
  );

describe('duration classes at a full cluster', () => {
  it.each(['nearest-region', 'switchyard'] as const)('%s: both classes queue the same share', (strategy) => {
    const r = simulate(parseScenario(yaml, 'classes.yaml'), { strategies: [strategy] }).strategies[0];
    const [a, b] = r?.classes ?? [];
    expect(a?.served).toBeGreaterThan(0);
    expect(b?.served).toBeGreaterThan(0);
    const shareA = (a?.queued ?? 0) / (a?.served ?? 1);
    const shareB = (b?.queued ?? 0) / (b?.served ?? 1);
    expect(shareA + shareB).toBeGreaterThan(0.2); // the fleet does queue
    expect(Math.abs(shareA - shareB)).toBeLessThan(0.12 * Math.max(shareA, shareB));
    expect((a?.queued ?? 0) + (b?.queued ?? 0)).toBe(r?.queuedRequests);
  });
});

describe('the queueing diagnostic', () => {
  it('says what queued requests waited for and where they queued', () => {
    const r = simulate(parseScenario(yaml, 'classes.yaml'), { strategies: ['nearest-region'] }).strategies[0];
    const q = r?.queueing;
    const started = (q?.slot.requests ?? 0) + (q?.replica.requests ?? 0);
    // The small fleet starts at its minimum: some wait for a replica to come up, most for a slot.
    expect(q?.replica.requests).toBeGreaterThan(0);
    expect(q?.slot.requests).toBeGreaterThan(0);
    expect(started).toBeLessThanOrEqual(r?.queuedRequests ?? 0);
    expect(q?.replica.meanWaitMs).toBeGreaterThanOrEqual(1000); // a start-up takes 15 s
    const byCluster = Object.values(q?.byCluster ?? {}).reduce((a, b) => a + b, 0);
    expect(byCluster).toBe(r?.queuedRequests);
  });
});
