/**
 * Every failure the simulated cluster reports, with a stable `code`, an HTTP
 * status and the OpenAI error `type`, so clients (the official SDK included)
 * see the same shapes a real OpenAI-compatible server returns.
 */
import { CodedError } from '../../shared/errors/coded-error.ts';

export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error';

export interface OpenAiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: OpenAiErrorType;
    readonly param: string | null;
    readonly code: string;
  };
}

/** An error that maps to one HTTP response. */
export class SimHttpError extends CodedError {
  override readonly name = 'SimHttpError';
  constructor(
    code: string,
    status: number,
    readonly type: OpenAiErrorType,
    message: string,
    readonly param: string | null = null,
    /** Seconds, sent as `Retry-After` (429 only). */
    readonly retryAfterS: number | null = null,
  ) {
    super(code, status, message);
  }

  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badJson = (detail: string): SimHttpError =>
  new SimHttpError('invalid_json', 400, 'invalid_request_error', `Request body is not valid JSON: ${detail}`);

export const invalidRequest = (param: string, message: string): SimHttpError =>
  new SimHttpError('invalid_request', 400, 'invalid_request_error', message, param);

export const bodyTooLarge = (limit: number): SimHttpError =>
  new SimHttpError('body_too_large', 413, 'invalid_request_error', `Request body exceeds ${limit} bytes.`);

export const routeNotFound = (method: string, path: string): SimHttpError =>
  new SimHttpError('not_found', 404, 'not_found_error', `No route for ${method} ${path}.`);

export const methodNotAllowed = (method: string, path: string, allowed: string): SimHttpError =>
  new SimHttpError('method_not_allowed', 405, 'invalid_request_error', `${method} is not allowed on ${path}; use ${allowed}.`);

export const slotsFull = (retryAfterS: number): SimHttpError =>
  new SimHttpError(
    'slots_full',
    429,
    'rate_limit_error',
    `All inference slots and the queue are full; retry after ${retryAfterS} s or send to another replica.`,
    null,
    retryAfterS,
  );

export const injectedFailure = (): SimHttpError =>
  new SimHttpError('injected_failure', 500, 'server_error', 'The replica is failing (fault injected via /_control).');

/** Thrown by `startSimCluster` when options are invalid; lists every bad field at once. */
export class SimOptionsError extends Error {
  override readonly name = 'SimOptionsError';
  readonly code = 'SIM_INVALID_OPTIONS';
  constructor(readonly issues: readonly OptionIssue[]) {
    super(`invalid sim-cluster options: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

export interface OptionIssue {
  readonly field: string;
  readonly message: string;
}
