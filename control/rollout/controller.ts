/**
 * The rollout controller (`switchyard rollout run`, started by `switchyard dev`): every gate
 * interval it evaluates each running rollout's gates on the live outcomes since its step began
 * and applies the step schedule — roll back on a failed gate, advance after a step's hold, hold
 * otherwise. Rolling back only sets the canary's weight to 0: the edge stops choosing the
 * canary's clusters for new requests while streams already running there carry on untouched.
 */
import type { Client } from '@libsql/client';
import { evaluateGates } from '../../shared/rollout/gate-evaluation.ts';
import { nextStep, type StepAction } from '../../shared/rollout/step-schedule.ts';
import { readVersionOutcomes } from './gate-stats.ts';
import { RolloutError } from './errors.ts';
import { readRunningRollouts, updateRollout } from './rollout-store.ts';

export interface ControllerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface EvaluationResult {
  readonly appId: string;
  readonly action: StepAction;
  readonly weightPct: number;
  readonly detail: string | null;
}

/** One pass over every running rollout. A conflict (an operator acted meanwhile) skips that app this round. */
export async function evaluateRollouts(client: Client, now: number): Promise<EvaluationResult[]> {
  const out: EvaluationResult[] = [];
  for (const r of await readRunningRollouts(client)) {
    const { stable, canary } = await readVersionOutcomes(client, r, r.stepStartedAt);
    const verdict = evaluateGates(canary, stable, r.gates);
    const step = nextStep(r, verdict, now);
    try {
      // A hold only records the verdict (updated_at unchanged, so an operator's command is not refused for it).
      await updateRollout(client, r, step.rollout, verdict);
    } catch (err) {
      if (err instanceof RolloutError && err.code === 'ROLLOUT_CONFLICT') continue;
      throw err;
    }
    out.push({ appId: r.appId, action: step.action, weightPct: step.rollout.weightPct, detail: step.rollout.reason });
  }
  return out;
}

export interface Controller {
  stop(): Promise<void>;
}

/** Evaluates every `intervalMs` until stopped; a failed pass is logged and the next one runs. */
export function startController(client: Client, intervalMs: number, log: ControllerLogger, now: () => number = Date.now): Controller {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const pass = async (): Promise<void> => {
    try {
      for (const e of await evaluateRollouts(client, now())) {
        if (e.action !== 'hold' && e.action !== 'none') log.info({ app: e.appId, action: e.action, weightPct: e.weightPct, reason: e.detail }, `rollout ${e.action}`);
      }
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'rollout evaluation failed; retrying next interval');
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(schedule);
    }, intervalMs);
  };
  running = pass().finally(schedule);
  return {
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await running;
    },
  };
}
