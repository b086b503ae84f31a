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

/** A rollout this pass could not read or evaluate; the others went on. */
export interface EvaluationFailure {
  readonly appId: string;
  readonly error: string;
}

export interface PassResult {
  readonly evaluated: EvaluationResult[];
  readonly failed: EvaluationFailure[];
}

/**
 * One pass over every running rollout, each on its own: one tenant's malformed row or failing
 * evaluation is reported in `failed` and skipped, never stopping the others' advances and
 * rollbacks. A conflict (an operator acted meanwhile) skips that app this round.
 */
export async function evaluateRollouts(client: Client, now: number): Promise<PassResult> {
  const evaluated: EvaluationResult[] = [];
  const failed: EvaluationFailure[] = [];
  for (const read of await readRunningRollouts(client)) {
    if (!read.ok) {
      failed.push({ appId: read.appId, error: read.error });
      continue;
    }
    const r = read.rollout;
    try {
      const { stable, canary } = await readVersionOutcomes(client, r, r.stepStartedAt);
      const verdict = evaluateGates(canary, stable, r.gates);
      const step = nextStep(r, verdict, now);
      // A hold only records the verdict (updated_at unchanged, so an operator's command is not refused for it).
      await updateRollout(client, r, step.rollout, verdict);
      evaluated.push({ appId: r.appId, action: step.action, weightPct: step.rollout.weightPct, detail: step.rollout.reason });
    } catch (err) {
      if (err instanceof RolloutError && err.code === 'ROLLOUT_CONFLICT') continue;
      failed.push({ appId: r.appId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { evaluated, failed };
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
      const { evaluated, failed } = await evaluateRollouts(client, now());
      for (const e of evaluated) {
        if (e.action !== 'hold' && e.action !== 'none') log.info({ app: e.appId, action: e.action, weightPct: e.weightPct, reason: e.detail }, `rollout ${e.action}`);
      }
      for (const f of failed) log.warn({ app: f.appId, err: f.error }, 'rollout skipped this interval: its row or evaluation failed');
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
