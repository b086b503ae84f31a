/**
 * When an async job's answer says "try later" (429, or 503 with a Retry-After — the proxy's own
 * limits, a drain, or an engine that sheds load), the job goes back to the queue instead of
 * completing with that refusal: absorbing bursts is what a caller submits async jobs for. It
 * waits what the answer asked (clamped, with jitter so refused jobs do not return in lockstep),
 * and only while the job is younger than its wait budget; past it, the refusal is the result.
 */

export interface RequeueInput {
  readonly status: number;
  /** The answer's `Retry-After`: delay seconds or an HTTP date. */
  readonly retryAfter: string | string[] | undefined;
  readonly createdAt: number;
  readonly now: number;
  readonly maxWaitMs: number;
  /** In [0, 1): the jitter draw. */
  readonly random: number;
}

export const MIN_REQUEUE_MS = 250;
export const MAX_REQUEUE_MS = 60_000;

/** Milliseconds to wait before the next run, or null when the answer is the job's result. */
export function requeueDelayMs(i: RequeueInput): number | null {
  if (i.status !== 429 && i.status !== 503) return null;
  const asked = retryAfterMs(Array.isArray(i.retryAfter) ? i.retryAfter[0] : i.retryAfter, i.now);
  // A 503 without Retry-After is a failure, not back-pressure; a 429 without one still asks to slow down.
  if (asked === null && i.status === 503) return null;
  const base = Math.min(MAX_REQUEUE_MS, Math.max(MIN_REQUEUE_MS, asked ?? 1_000));
  const delay = Math.round(base * (1 + 0.2 * i.random));
  return i.now + delay - i.createdAt > i.maxWaitMs ? null : delay;
}

function retryAfterMs(raw: string | undefined, now: number): number | null {
  if (raw === undefined) return null;
  const v = raw.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
