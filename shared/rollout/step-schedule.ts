/**
 * The step schedule: what the controller does with a running rollout after one gate evaluation.
 * A failed gate rolls back (weight 0) at once; a step advances only after its hold time with
 * passing gates (enough canary evidence); the last step promotes only when asked to. Pure.
 */
import type { GateVerdict } from './gate-evaluation.ts';
import type { Rollout } from './types.ts';

export type StepAction = 'none' | 'hold' | 'advance' | 'rollback' | 'promote';

export interface StepOutcome {
  readonly action: StepAction;
  readonly rollout: Rollout;
}

/** Parse `10,50,100`: ascending whole percentages in 1..100, ending at 100. */
export function parseSteps(text: string): { ok: true; steps: number[] } | { ok: false; message: string } {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const steps = parts.map(Number);
  const bad = parts.filter((p, i) => !/^\d+$/.test(p) || (steps[i] ?? 0) < 1 || (steps[i] ?? 0) > 100);
  if (parts.length === 0 || bad.length > 0) return { ok: false, message: `--steps must be whole percentages 1..100 separated by commas, e.g. 10,50,100; bad: ${bad.join(', ') || 'none given'}` };
  for (let i = 1; i < steps.length; i++) {
    if ((steps[i] ?? 0) <= (steps[i - 1] ?? 0)) return { ok: false, message: `--steps must ascend, got ${text}` };
  }
  if (steps.at(-1) !== 100) return { ok: false, message: `--steps must end at 100 (the canary takes all non-held traffic before promotion), got ${text}` };
  return { ok: true, steps };
}

/** Apply one verdict to a rollout at `now`. Non-running rollouts are left alone. */
export function nextStep(r: Rollout, verdict: GateVerdict, now: number): StepOutcome {
  if (r.status !== 'running') return { action: 'none', rollout: r };
  if (verdict.result === 'fail') {
    const reason = `gate failed at ${r.weightPct} %: ${verdict.failures.map((f) => `${f.gate}: ${f.detail}`).join('; ')}`;
    return { action: 'rollback', rollout: { ...r, status: 'rolled-back', weightPct: 0, reason, updatedAt: now } };
  }
  if (verdict.result === 'wait' || now - r.stepStartedAt < r.holdMs) return { action: 'hold', rollout: r };
  const next = r.stepIndex + 1;
  const weight = r.steps[next];
  if (weight !== undefined) {
    return { action: 'advance', rollout: { ...r, stepIndex: next, weightPct: weight, stepStartedAt: now, reason: `gates passed at ${r.weightPct} %`, updatedAt: now } };
  }
  if (!r.autoPromote) return { action: 'hold', rollout: r };
  return { action: 'promote', rollout: promote(r, now, 'gates passed at the last step (auto-promote)') };
}

/** The canary becomes the stable version; held regions are released. */
export function promote(r: Rollout, now: number, reason: string): Rollout {
  return { ...r, status: 'promoted', stable: r.canary, weightPct: 100, heldRegions: [], reason, updatedAt: now };
}
