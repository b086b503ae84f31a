import { describe, expect, it } from 'vitest';
import { OutcomeWindow, replicaOutcome } from './fleet.ts';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';

// A cluster whose queue is full refuses for lack of capacity: that is not a fault of its
// replicas and must not raise the error rate the decision reads (it used to, so a saturated
// cluster's failure-risk term herded its traffic onto the next clusters).
describe('outcome counts of one batch', () => {
  it.each([
    { name: 'all served', a: { faults: 0, served: 10, refused: 0 }, requests: 10, errors: 0 },
    { name: 'queue full', a: { faults: 0, served: 4, refused: 6 }, requests: 4, errors: 0 },
    { name: 'only refusals', a: { faults: 0, served: 0, refused: 9 }, requests: 0, errors: 0 },
    { name: 'replica 5xx', a: { faults: 5, served: 5, refused: 0 }, requests: 10, errors: 5 },
    { name: '5xx and queue full', a: { faults: 2, served: 3, refused: 5 }, requests: 5, errors: 2 },
  ])('$name', ({ a, requests, errors }) => {
    expect(replicaOutcome(a)).toEqual({ requests, errors });
    const w = new OutcomeWindow();
    w.recordAttempts(1_000, a);
    expect([w.requests(1_000), w.errors(1_000)]).toEqual([requests, errors]);
  });
});

// The small fleet at ten times its load, queues cut to one request per replica: clusters refuse.
const saturated = (incidents: string): string =>
  `${SMALL_SCENARIO.replace(/incidents:[\s\S]*$/, '')
    .replace('ratePerSecond: 40', 'ratePerSecond: 400')
    .replace('durationHours: 0.25', 'durationHours: 0.05')
    .replace(/maxReplicas: (\d+) \}/g, 'maxReplicas: $1, maxQueuePerReplica: 1 }')}
${incidents}`;

describe('a saturated fleet in the simulator', () => {
  it('reports no replica faults for its queue-full refusals', () => {
    const r = simulate(parseScenario(saturated(''), 'full.yaml'), { strategies: ['least-connections'] }).strategies[0];
    expect(r?.rejected).toBeGreaterThan(0);
    expect(r?.outcomeFaults).toBe(0);
  });

  it('still reports every replica 5xx', () => {
    const yaml = saturated(`incidents:
  - { kind: partial-failure, cluster: eu-west-a, errorRate: 0.5, startHours: 0.01, durationHours: 0.02 }`);
    const r = simulate(parseScenario(yaml, 'full-and-failing.yaml'), { strategies: ['least-connections'] }).strategies[0];
    expect(r?.rejected).toBeGreaterThan(0);
    expect(r?.replicaErrors).toBeGreaterThan(0);
    expect(r?.outcomeFaults).toBe(r?.replicaErrors);
  });
});
