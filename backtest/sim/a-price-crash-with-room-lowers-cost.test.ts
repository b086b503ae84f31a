import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import { runStrategy } from './run-strategy.ts';
import { validateScenario } from './scenario.ts';
import type { SimStrategy } from './scenario.ts';

// Issue 10: "a price crash of 60 % lowers cost per request ≥ 20 % while capacity is plentiful,
// with no queue pile-up on the cheap cluster once its capacity tightens". The scenario files
// (backtest/scenarios/price-crash-plentiful{,-control}.yaml) run 3 h; this is the same fleet and
// traffic on a shorter clock so the test takes seconds: the crash at 9 min (after the fleet's
// start-up from its minimums), "after the crash" 18–27 min, coreweave's room cut by 75 % at
// 27 min, "after the cut" 30–36 min. As in the files, the crash is read against the control
// run's same window (the long jobs build up over the run whatever the prices do).
const CRASH_AT = 0.15;
const CUT_AT = 0.45;
const END = 0.6;

interface RawScenario {
  durationHours: number;
  prices: Array<Record<string, unknown>>;
  incidents: Array<Record<string, unknown>>;
  windows: unknown[];
}

/** The file on the short clock, run to `end` h (the control needs no more than its window). */
function shortened(file: string, end: number) {
  const raw = parseYaml(
    readFileSync(new URL(`../scenarios/${file}`, import.meta.url), 'utf8'),
  ) as RawScenario;
  raw.durationHours = end;
  raw.prices = raw.prices.map((p) => ({ ...p, atHours: CRASH_AT }));
  raw.incidents =
    end > CUT_AT
      ? raw.incidents.map((i) => ({ ...i, startHours: CUT_AT, durationHours: END - CUT_AT }))
      : [];
  raw.windows = [
    { name: 'after the crash', startHours: 2 * CRASH_AT, durationHours: CUT_AT - 2 * CRASH_AT },
    ...(end > CUT_AT
      ? [{ name: 'after the cut', startHours: CUT_AT + 0.05, durationHours: END - CUT_AT - 0.05 }]
      : []),
  ];
  return validateScenario(raw, file);
}

const crash = shortened('price-crash-plentiful.yaml', END);
// A run's past does not depend on its future (one seeded stream, events in time order), so the
// control stops where its window ends.
const control = shortened('price-crash-plentiful-control.yaml', CUT_AT);
const run = (s: typeof crash, strategy: SimStrategy) =>
  runStrategy(s, strategy, DEFAULT_POLICY).windows;
type Windows = ReturnType<typeof run>;
const costPer1k = (w: Windows, i: number): number => w[i]?.costPer1k ?? NaN;
const p99 = (w: Windows, i: number): number => w[i]?.ttfbMs.p99 ?? NaN;
/** Change in cost per 1k requests after the crash against the control, as a fraction (−0.2 = −20 %). */
const crashEffect = (strategy: SimStrategy, crashWindows = run(crash, strategy)): number =>
  costPer1k(crashWindows, 0) / costPer1k(run(control, strategy), 0) - 1;

describe('a 60 % price crash on a provider with room, then a cut in that room', () => {
  const switchyard = run(crash, 'switchyard');
  const effect = crashEffect('switchyard', switchyard);
  const leastConnections = crashEffect('least-connections');

  // Issue 10's bar is −20 %, not met (BENCHMARKS "A price crash with room": the default values a
  // GPU-hour dollar at 20 ms, so clients far from coreweave stay where they are).
  // A guard on what the model gets today (−14.5 % here, −15.6 % on the 3 h file), well above a
  // router that ignores price (least-connections −8.8 %), so a change that gives it up fails.
  it('switchyard moves traffic to the cheap provider: cost per 1k requests falls ≥ 12 %, more than least-connections', () => {
    expect(effect).toBeLessThanOrEqual(-0.12);
    expect(effect).toBeLessThan(leastConnections - 0.03);
  });

  it('the cut does tighten coreweave: a router that only follows price queues there for seconds', () => {
    expect(p99(run(crash, 'cheapest-first'), 1)).toBeGreaterThan(5000);
  });

  it('switchyard piles up no queue once the cheap clusters are tight: p99 after the cut stays under 500 ms', () => {
    expect(p99(switchyard, 1)).toBeLessThan(500);
  });
});
