/**
 * Fault injection: what `/_control` (and `SimCluster.control`) can switch on,
 * and the parser for its JSON body. Pure: the server holds the current mode.
 */
import { invalidRequest, type SimHttpError } from './errors.ts';

export interface FaultMode {
  /** `/health` answers 503 and inference requests 500. */
  readonly fail: boolean;
  /** A gray failure: inference requests answer 500 while `/health` stays 200. */
  readonly serverErrors: boolean;
  /** Extra delay before the first token of every request (raises TTFT like an overloaded replica). */
  readonly slowdownMs: number;
  /** Inference requests are accepted and never answered; `/health` stays 200. */
  readonly hang: boolean;
  /** The socket is destroyed after `dieAfterTokens` tokens (or job heartbeats). */
  readonly dieMidStream: boolean;
  readonly dieAfterTokens: number;
  /** Streams answer their headers at once, then send nothing for this long (a long prefill). */
  readonly firstTokenDelayMs: number;
}

/** A `POST /_control` body; fields absent are left unchanged. */
export interface ControlPatch {
  readonly fail?: boolean;
  readonly serverErrors?: boolean;
  readonly slowdownMs?: number;
  readonly hang?: boolean;
  readonly dieMidStream?: boolean;
  readonly dieAfterTokens?: number;
  readonly firstTokenDelayMs?: number;
  /** Back to the start-up mode and zeroed counters (applied before the other fields). */
  readonly reset?: boolean;
  /** Unload the model so the next request pays the cold start again. */
  readonly unload?: boolean;
}

export function defaultFaultMode(dieAfterTokens: number): FaultMode {
  return { fail: false, serverErrors: false, slowdownMs: 0, hang: false, dieMidStream: false, dieAfterTokens, firstTokenDelayMs: 0 };
}

const BOOLEAN_FIELDS = ['fail', 'serverErrors', 'hang', 'dieMidStream', 'reset', 'unload'] as const;
const COUNT_FIELDS = ['slowdownMs', 'dieAfterTokens', 'firstTokenDelayMs'] as const;
const KNOWN = new Set<string>([...BOOLEAN_FIELDS, ...COUNT_FIELDS]);

/** Parses a control body, refusing unknown fields and wrong types with the field named. */
export function parseControlPatch(body: unknown): { ok: true; patch: ControlPatch } | { ok: false; error: SimHttpError } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: invalidRequest('body', 'Control body must be a JSON object such as {"fail": true}.') };
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KNOWN.has(key)) {
      return { ok: false, error: invalidRequest(key, `Unknown control field "${key}"; known: ${[...KNOWN].join(', ')}.`) };
    }
  }
  for (const key of BOOLEAN_FIELDS) {
    const v = record[key];
    if (v !== undefined && typeof v !== 'boolean') return { ok: false, error: invalidRequest(key, `"${key}" must be true or false.`) };
  }
  for (const key of COUNT_FIELDS) {
    const v = record[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 86_400_000)) {
      return { ok: false, error: invalidRequest(key, `"${key}" must be an integer from 0 to 86400000.`) };
    }
  }
  return { ok: true, patch: record as ControlPatch };
}

/** The mode after applying a patch (reset first, then the given fields). */
export function applyControlPatch(current: FaultMode, patch: ControlPatch, initial: FaultMode): FaultMode {
  const base = patch.reset === true ? initial : current;
  return {
    fail: patch.fail ?? base.fail,
    serverErrors: patch.serverErrors ?? base.serverErrors,
    slowdownMs: patch.slowdownMs ?? base.slowdownMs,
    hang: patch.hang ?? base.hang,
    dieMidStream: patch.dieMidStream ?? base.dieMidStream,
    dieAfterTokens: patch.dieAfterTokens ?? base.dieAfterTokens,
    firstTokenDelayMs: patch.firstTokenDelayMs ?? base.firstTokenDelayMs,
  };
}
