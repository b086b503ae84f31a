import { describe, expect, test } from 'vitest';
import { evaluateGates, percentile, type VersionOutcomes } from './gate-evaluation.ts';
import { DEFAULT_GATES, type GateConfig } from './types.ts';

const G: GateConfig = { ...DEFAULT_GATES, minRequests: 10, errorBudget: 3 };
const ok = (requests: number, ttfb = 100, errors = 0, cut = 0): VersionOutcomes => ({ requests, errors, cut, ttfbMs: Array.from({ length: requests - errors }, () => ttfb) });
/** `requests` answers at 40 ms but `slow` of them at `slowMs`. */
const spiked = (requests: number, slow: number, slowMs: number): VersionOutcomes => ({ requests, errors: 0, cut: 0, ttfbMs: Array.from({ length: requests }, (_, i) => (i < slow ? slowMs : 40)) });

describe('evaluateGates', () => {
  test.each([
    ['too few canary outcomes: wait', ok(5), ok(100), 'wait', []],
    ['enough and equal: pass', ok(20), ok(100), 'pass', []],
    ['errors over the budget fail even below minRequests', ok(4, 100, 4), ok(100), 'fail', ['error-budget']],
    ['errors reaching the budget fail (the edge brake stops there)', ok(4, 100, 3), ok(100), 'fail', ['error-budget']],
    ['errors below the budget below minRequests: wait', ok(4, 100, 2), ok(100), 'wait', []],
    ['error rate above stable + delta', ok(100, 100, 3), ok(100), 'fail', ['error-rate'], 10],
    ['same error rate as stable: pass', ok(200, 100, 3), ok(200, 100, 3), 'pass', [], 10],
    ['TTFT p95 regressed', ok(20, 400), ok(100, 100), 'fail', ['ttft-p95']],
    ['TTFT within ratio + slack', ok(20, 190), ok(100, 100), 'pass', []],
    ['no stable outcomes: only the canary\'s own gates', ok(20, 5000), ok(0), 'pass', []],
    ['budget 0: the first error fails', ok(4, 100, 1), ok(100), 'fail', ['error-budget'], 0],
    ['budget 0 and no error: wait', ok(4), ok(100), 'wait', [], 0],
    ['cut streams', ok(100, 100, 0, 5), ok(100), 'fail', ['cut-streams']],
    // Few samples: the p95 is the slowest request, so one stall must not decide (CI of bcbc801).
    ['one slow request among 10 canary samples: medians compared, pass', spiked(10, 1, 111), ok(30, 40), 'pass', []],
    ['a canary slow throughout with few samples still fails (median)', ok(10, 400), ok(100, 100), 'fail', ['ttft-p50']],
    ['one slow request among 20 samples is the p95\'s 1 in 20: pass', spiked(20, 1, 5000), ok(100, 100), 'pass', []],
    ['two slow among 20: the p95 regressed', spiked(20, 2, 5000), ok(100, 100), 'fail', ['ttft-p95']],
  ] as const)('%s', (_n, canary, stable, result, gates, budget: number = G.errorBudget) => {
    const v = evaluateGates(canary, stable, { ...G, errorBudget: budget });
    expect(v.result).toBe(result);
    expect(v.failures.map((f) => f.gate)).toEqual(gates);
  });
});

describe('percentile', () => {
  test.each([
    [[], 95, null],
    [[5], 95, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 10],
    [[10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 50, 5],
  ] as const)('%j p%d = %s', (values, p, want) => {
    expect(percentile(values, p)).toBe(want);
  });
});
