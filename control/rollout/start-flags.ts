/**
 * `switchyard rollout start` flags → a `StartRequest`, every invalid flag reported at once.
 * Pure (commander hands over strings).
 */
import { parseSteps } from '../../shared/rollout/step-schedule.ts';
import { DEFAULT_GATES, type GateConfig } from '../../shared/rollout/types.ts';
import { parseAppRef } from '../../shared/domain/app-ref.ts';
import type { StartRequest } from './rollout-operations.ts';

export interface StartFlags {
  readonly to?: string;
  readonly from?: string;
  readonly model?: string;
  readonly steps?: string;
  readonly holdMs?: string;
  readonly keepOldRegions?: string;
  readonly oldRegions?: string;
  readonly autoPromote?: boolean;
  readonly gateMinRequests?: string;
  readonly gateErrorBudget?: string;
  readonly gateMaxErrorRateDelta?: string;
  readonly gateTtftRatio?: string;
  readonly gateTtftSlackMs?: string;
  readonly gateMaxCutRateDelta?: string;
}

export const DEFAULT_STEPS = '10,50,100';
export const DEFAULT_HOLD_MS = 300_000;

export function parseStartFlags(appId: string, f: StartFlags): { ok: true; request: StartRequest } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const number = (flag: string, raw: string | undefined, fallback: number, min: number, max: number, whole: boolean): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) {
      errors.push(`${flag} must be ${whole ? 'a whole number' : 'a number'} in ${min}..${max}, got '${raw}'`);
      return fallback;
    }
    return n;
  };
  const app = parseAppRef(appId);
  if (!app.ok) errors.push(app.message);
  if (f.to === undefined || f.to.trim() === '') errors.push('--to <version> is required: the canary version to roll out');
  const steps = parseSteps(f.steps ?? DEFAULT_STEPS);
  if (!steps.ok) errors.push(steps.message);
  const gates: GateConfig = {
    minRequests: number('--gate-min-requests', f.gateMinRequests, DEFAULT_GATES.minRequests, 1, 1_000_000, true),
    errorBudget: number('--gate-error-budget', f.gateErrorBudget, DEFAULT_GATES.errorBudget, 0, 1_000_000, true),
    maxErrorRateDelta: number('--gate-max-error-rate-delta', f.gateMaxErrorRateDelta, DEFAULT_GATES.maxErrorRateDelta, 0, 1, false),
    maxTtftP95Ratio: number('--gate-ttft-ratio', f.gateTtftRatio, DEFAULT_GATES.maxTtftP95Ratio, 1, 1000, false),
    ttftSlackMs: number('--gate-ttft-slack-ms', f.gateTtftSlackMs, DEFAULT_GATES.ttftSlackMs, 0, 600_000, false),
    maxCutRateDelta: number('--gate-max-cut-rate-delta', f.gateMaxCutRateDelta, DEFAULT_GATES.maxCutRateDelta, 0, 1, false),
  };
  const request: StartRequest = {
    appId,
    model: f.model ?? null,
    canary: f.to ?? '',
    stable: f.from ?? null,
    steps: steps.ok ? steps.steps : [],
    holdMs: number('--hold-ms', f.holdMs, DEFAULT_HOLD_MS, 0, 7 * 24 * 3_600_000, true),
    keepOldRegions: number('--keep-old-regions', f.keepOldRegions, 0, 0, 1000, true),
    oldRegions: (f.oldRegions ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    gates,
    autoPromote: f.autoPromote === true,
  };
  return errors.length === 0 ? { ok: true, request } : { ok: false, errors };
}
