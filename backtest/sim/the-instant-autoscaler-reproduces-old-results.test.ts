import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';

// Session 9 made a Knative-KPA autoscaler the default (autoscaler.ts). `autoscaler: { kind: instant }`
// must still give the numbers the simulator gave before (recorded on df00f7d with this exact
// scenario; the whole JSON was byte-identical then). Routers that do not call decide() only, so a
// change to the decision model elsewhere does not move them.
const OLD = [
  { strategy: 'least-connections', served: 33767, rejected: 2258, failed: 144, coldStarts: 58, warmStarts: 20, queuedRequests: 12980, cost: 70.64, p50: 137.2, p99: 77179.2 },
  { strategy: 'nearest-region', served: 29731, rejected: 6148, failed: 65, coldStarts: 40, warmStarts: 20, queuedRequests: 15149, cost: 66.15, p50: 230.4, p99: 68786 },
  { strategy: 'round-robin', served: 31846, rejected: 4205, failed: 123, coldStarts: 58, warmStarts: 20, queuedRequests: 15164, cost: 70.81, p50: 154, p99: 72861.8 },
];

const numbers = (yaml: string) =>
  simulate(parseScenario(yaml, 'small.yaml'), { strategies: ['least-connections', 'nearest-region', 'round-robin'] }).strategies.map((x) => ({
    strategy: x.strategy,
    served: x.served,
    rejected: x.rejected,
    failed: x.failed,
    coldStarts: x.coldStarts,
    warmStarts: x.warmStarts,
    queuedRequests: x.queuedRequests,
    cost: x.cost,
    p50: x.ttfbMs.p50,
    p99: x.ttfbMs.p99,
  }));

describe('the instant autoscaler reproduces old results', () => {
  it('kind: instant gives the pre-session-9 numbers', () => {
    expect(numbers(`${SMALL_SCENARIO}autoscaler: { kind: instant }\n`)).toEqual(OLD);
  });

  it('the default (kpa) autoscaler gives different ones', () => {
    expect(numbers(SMALL_SCENARIO)).not.toEqual(OLD);
  });
});
