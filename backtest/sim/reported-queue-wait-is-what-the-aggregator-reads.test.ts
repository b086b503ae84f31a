import { describe, expect, it } from 'vitest';
import { EngineTimes } from '../../control/aggregator/engine-times.ts';
import { parseScenario } from './scenario.ts';
import { buildWorld } from './sim-app.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';
import { capture, type Publication } from './visible-state.ts';

// The simulator judges the decision on the state an aggregator would push, so its queue wait
// must be the aggregator's reading of the engines' queue-time histogram (engine-times.ts): the
// mean wait of every request started since the last report, folded into a moving average. It was
// a moving average of the queued requests' waits alone, which nothing pulled down: a fleet's
// start-up queue was reported as the clusters' wait for the rest of the run.
describe("the simulator's reported queue wait", () => {
  const world = buildWorld(parseScenario(SMALL_SCENARIO, 'small.yaml'));
  const d = world.deployments[0];
  if (d === undefined) throw new Error('fixture has no deployment');
  const agg = new EngineTimes();
  const totals = { seconds: 0, count: 0 };
  let last: Publication | null = null;
  let t = 0;
  /** Requests that start now, each after `waitMs`, as the runner's `start` books them. */
  const start = (n: number, waitMs: number): void => {
    d.startedSinceCapture += n;
    d.waitSinceCaptureMs += n * waitMs;
    totals.seconds += (n * waitMs) / 1000;
    totals.count += n;
  };
  /** The simulator's row and the aggregator's reading of the same engine at one report. */
  const report = (at: number): [number | null | undefined, number | null] => {
    last = capture(at, at * 1000, world.deployments, last);
    const read = agg.observe('app', [{ url: 'r', queue: { ...totals }, run: null }]);
    return [last.rows[d.idx]?.queueWaitMs, read.queueWaitMs];
  };

  it.each<[string, () => void, number | null]>([
    ['before any request: none', () => undefined, null],
    ['a start-up queue: 10 requests waited 4 s, 10 started at once → 2,000 ms', () => (start(10, 4000), start(10, 0)), 2000],
    ['then nobody waits: pulled down (2,000 + 0.3 × (0 − 2,000)), not the start-up wait for ever', () => start(30, 0), 1400],
    ['no request at all: left as it was', () => undefined, 1400],
    ['a short queue later moves it by its own mean (60 ms)', () => (start(2, 300), start(8, 0)), 1400 + 0.3 * (60 - 1400)],
  ])('%s', (_name, between, expected) => {
    between();
    const [sim, aggregator] = report(++t);
    if (expected === null) expect(sim).toBeNull();
    else expect(sim).toBeCloseTo(expected);
    if (expected === null) expect(aggregator).toBeNull();
    else expect(aggregator).toBeCloseTo(expected);
  });
});
