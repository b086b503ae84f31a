/** Parses a `POST /v1/jobs` body: `{durationMs?, heartbeatMs?}`, defaults from config. Pure. */
import { invalidRequest, type SimHttpError } from './errors.ts';

export interface JobRequest {
  readonly durationMs: number;
  readonly heartbeatMs: number;
}

const DAY_MS = 86_400_000;

export function parseJobRequest(
  body: unknown,
  defaults: JobRequest,
): { ok: true; job: JobRequest } | { ok: false; error: SimHttpError } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: invalidRequest('body', 'Job body must be a JSON object such as {"durationMs": 60000, "heartbeatMs": 1000}.') };
  }
  const b = body as Record<string, unknown>;
  const field = (name: keyof JobRequest, min: number): number | SimHttpError => {
    const v = b[name];
    if (v === undefined || v === null) return defaults[name];
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= DAY_MS) return v;
    return invalidRequest(name, `"${name}" must be an integer from ${min} to ${DAY_MS} milliseconds.`);
  };
  const durationMs = field('durationMs', 0);
  if (typeof durationMs !== 'number') return { ok: false, error: durationMs };
  const heartbeatMs = field('heartbeatMs', 1);
  if (typeof heartbeatMs !== 'number') return { ok: false, error: heartbeatMs };
  return { ok: true, job: { durationMs, heartbeatMs } };
}
