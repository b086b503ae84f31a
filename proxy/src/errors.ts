/**
 * Every refusal and failure the proxy answers with, in one place: a stable
 * `code`, an HTTP status, and whether the edge may try its next fallback
 * (`x-switchyard-refused: 1`). Foreign errors (undici, sockets) are mapped to
 * these in `classifyUpstreamError` and nowhere else.
 */
export type ProxyErrorCode =
  | 'not-found'
  | 'token-missing'
  | 'token-invalid'
  | 'rate-limited'
  | 'concurrency-limited'
  | 'draining'
  | 'no-endpoints'
  | 'circuit-open'
  | 'upstream-unreachable'
  | 'upstream-reset'
  | 'upstream-timeout'
  | 'upstream-error'
  | 'all-clusters-failed';

export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  constructor(
    readonly code: ProxyErrorCode | string,
    readonly status: number,
    message: string,
    /** The edge may retry elsewhere: sent as `x-switchyard-refused: 1`. */
    readonly refused: boolean = false,
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }

  toJSON(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** How an upstream attempt failed, and what that allows. */
export interface UpstreamFailure {
  readonly code: 'upstream-unreachable' | 'upstream-reset' | 'upstream-timeout' | 'upstream-error';
  /** The request provably never reached the replica (connect failed): always safe to retry. */
  readonly beforeSend: boolean;
  readonly detail: string;
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function errorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string' && own !== '') return own;
  const cause = (err as { cause?: unknown }).cause;
  return cause === undefined ? '' : errorCode(cause);
}

/** Map an undici/socket error to a failure class (the one boundary for foreign errors). */
export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const code = errorCode(err);
  const detail = `${code || 'error'}: ${err instanceof Error ? err.message : String(err)}`;
  if (CONNECT_CODES.has(code))
    return {
      code: code === 'UND_ERR_CONNECT_TIMEOUT' ? 'upstream-timeout' : 'upstream-unreachable',
      beforeSend: true,
      detail,
    };
  if (RESET_CODES.has(code)) return { code: 'upstream-reset', beforeSend: false, detail };
  if (TIMEOUT_CODES.has(code)) return { code: 'upstream-timeout', beforeSend: false, detail };
  return { code: 'upstream-error', beforeSend: false, detail };
}

/** The status a failure maps to when nothing else could serve (fastify-reply-from style). */
export function statusForFailure(code: UpstreamFailure['code']): number {
  return code === 'upstream-timeout' ? 504 : code === 'upstream-unreachable' ? 503 : 502;
}
