import { describe, expect, test } from 'vitest';
import type { GateVerdict } from './gate-evaluation.ts';
import { nextStep, parseSteps } from './step-schedule.ts';
import { DEFAULT_GATES, type Rollout } from './types.ts';

const R: Rollout = {
  id: 'ro', appId: 'p/a', model: 'm', stable: 'v1', canary: 'v2', status: 'running', weightPct: 10, heldRegions: ['eu-west'],
  steps: [10, 50, 100], stepIndex: 0, stepStartedAt: 1000, holdMs: 500, gates: DEFAULT_GATES, autoPromote: false,
  reason: null, startedAt: 1000, updatedAt: 1000,
};
const summary = { requests: 0, errorRate: 0, cutRate: 0, ttftP95Ms: null, ttftP50Ms: null };
const verdict = (result: GateVerdict['result']): GateVerdict => ({
  result, failures: result === 'fail' ? [{ gate: 'error-budget', detail: '9 > 5' }] : [], canary: summary, stable: summary,
});

describe('nextStep', () => {
  test.each([
    ['fail rolls back to weight 0', R, 'fail', 1100, 'rollback', { status: 'rolled-back', weightPct: 0 }],
    ['pass before the hold: hold', R, 'pass', 1400, 'hold', { weightPct: 10 }],
    ['wait after the hold: hold (no evidence)', R, 'wait', 2000, 'hold', { weightPct: 10 }],
    ['pass after the hold: next step', R, 'pass', 1500, 'advance', { weightPct: 50, stepIndex: 1, stepStartedAt: 1500 }],
    ['last step without auto-promote: hold', { ...R, stepIndex: 2, weightPct: 100 }, 'pass', 5000, 'hold', { status: 'running' }],
    ['last step with auto-promote', { ...R, stepIndex: 2, weightPct: 100, autoPromote: true }, 'pass', 5000, 'promote', { status: 'promoted', stable: 'v2', heldRegions: [] }],
    ['paused: nothing', { ...R, status: 'paused' as const }, 'fail', 5000, 'none', { status: 'paused', weightPct: 10 }],
    ['fail at the last step rolls back too', { ...R, stepIndex: 2, weightPct: 100 }, 'fail', 5000, 'rollback', { weightPct: 0 }],
  ] as const)('%s', (_n, rollout, result, now, action, expected) => {
    const s = nextStep(rollout, verdict(result), now);
    expect(s.action).toBe(action);
    expect(s.rollout).toMatchObject(expected);
  });
});

describe('parseSteps', () => {
  test.each([
    ['10,50,100', [10, 50, 100]],
    [' 5, 100 ', [5, 100]],
    ['100', [100]],
  ])('%s', (text, steps) => expect(parseSteps(text)).toEqual({ ok: true, steps }));
  test.each([
    ['', /whole percentages/],
    ['10,abc,100', /bad: abc/],
    ['50,10,100', /ascend/],
    ['10,50', /end at 100/],
    ['0,100', /bad: 0/],
    ['10,101', /bad: 101/],
  ])('refuses %j', (text, message) => {
    const r = parseSteps(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});
