import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';

// A real engine starts a queued request the moment a slot frees. The simulator used to book
// completions per tick (a completion at 1.2 s freed its slot at 2 s), so every queued request
// waited at least one tick: any queueing at all read as ≈ 1,029 ms (a 1 s tick plus TTFT).
// One cluster of 16 slots at ~65 % load, 1.5 s mean service: a slot frees about every 0.1 s,
// so a request that finds the cluster full waits a fraction of a tick.
const busy = (over: string): string => `
name: brief-queueing
seed: 7
durationHours: 0.1
tickSeconds: 1
propagation: { intervalSeconds: 2, delaySeconds: 1 }
traffic:
  ratePerSecond: 7
  durations:
    - { name: chat, weight: 1, meanSeconds: 1.5 }
  clients:
    - { name: paris, lat: 48.9, lon: 2.35, continent: EU, country: FR, weight: 1 }
apps:
  - { id: acme/chat, share: 1 }
clusters:
  - { id: eu-west-a, region: eu-west, provider: lambda, pricePerHour: 2.5, ${over} }
`;

describe('queued requests start when a slot frees', () => {
  const fixed = 'concurrencyPerReplica: 16, minReplicas: 1, maxReplicas: 1, warmNodes: 0, coldNodes: 0, maxQueuePerReplica: 1000';

  it('a request that queues briefly waits a fraction of a tick, not a whole one', () => {
    const r = simulate(parseScenario(busy(fixed), 'q.yaml'), { strategies: ['nearest-region'] }).strategies[0];
    const q = r?.queueing;
    expect(r?.queuedRequests).toBeGreaterThan(50); // the cluster does fill up now and then
    expect(r?.rejected).toBe(0);
    expect(q?.slot.requests).toBe(r?.queuedRequests);
    // Per-tick booking made every slot wait a whole number of ticks (mean ≥ 1,000 ms).
    expect(q?.slot.meanWaitMs).toBeGreaterThan(0);
    expect(q?.slot.meanWaitMs).toBeLessThan(500);
    // With ~6 % of requests queueing briefly, p99 is a queued request: it must not be a tick.
    expect(r?.ttfbMs.p99).toBeLessThan(900);
  });

  it('queued requests behind a start-up wait for the start-up, not the next tick after it', () => {
    // No replica at first: the requests of t=0 queue for a warm start of 0.4 s; the one replica
    // of 64 slots then serves everyone. Their wait is the start-up time exactly.
    const cold = 'concurrencyPerReplica: 64, minReplicas: 0, maxReplicas: 1, warmNodes: 1, coldNodes: 0, warmStartSeconds: 0.4, maxQueuePerReplica: 1000';
    const r = simulate(parseScenario(busy(cold), 'q.yaml'), { strategies: ['nearest-region'] }).strategies[0];
    expect(r?.queueing.replica.requests).toBeGreaterThan(0);
    expect(r?.queueing.replica.meanWaitMs).toBe(400);
    expect(r?.queueing.slot.requests).toBe(0);
  });

  it('queue limits keep their meaning: a full queue still turns requests away', () => {
    const tight = 'concurrencyPerReplica: 16, minReplicas: 1, maxReplicas: 1, warmNodes: 0, coldNodes: 0, maxQueuePerReplica: 0';
    const r = simulate(parseScenario(busy(tight), 'q.yaml'), { strategies: ['nearest-region'] }).strategies[0];
    expect(r?.queuedRequests).toBe(0);
    expect(r?.rejected).toBeGreaterThan(50);
    expect((r?.served ?? 0) + (r?.rejected ?? 0)).toBe(r?.requests);
  });
});
