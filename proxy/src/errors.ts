/**
 * Every refusal and failure the proxy answers with, in one place: a stable
 * `code`, an HTTP status, and whether the edge may try its next fallback
 * (`x-switchyard-refused`). Foreign errors (undici, `ws`, sockets) are mapped
 * to attempt faults in `classifyUpstreamError` and nowhere else, and each
 * fault says whose fault it was: a client's fault never counts against a
 * replica, a cluster or a report.
 */
import { errorBody, type ErrorBody } from '../../shared/errors/error-body.ts';

export type ProxyErrorCode =
  | 'not-found'
  | 'token-missing'
  | 'token-invalid'
  | 'rate-limited'
  | 'concurrency-limited'
  | 'proxy-in-flight-limited'
  | 'draining'
  | 'draining-cut'
  | 'no-endpoints'
  | 'circuit-open'
  | 'replicas-busy'
  | 'replica-share-exceeded'
  | 'client-invalid'
  | 'client-unsupported'
  | 'client-body-aborted'
  | 'upstream-unreachable'
  | 'upstream-reset'
  | 'upstream-timeout'
  | 'upstream-status'
  | 'upstream-error'
  | 'upstream-tls'
  | 'proxy-out-of-files'
  | 'all-clusters-failed';

/**
 * Refusals that by their nature happen before any upstream contact: another cluster (or proxy)
 * may take the request even when it is not idempotent.
 */
const NOT_STARTED_CODES: ReadonlySet<string> = new Set([
  'draining',
  'rate-limited',
  'concurrency-limited',
  'proxy-in-flight-limited',
  'no-endpoints',
  'circuit-open',
  'replicas-busy',
  'replica-share-exceeded',
  'proxy-out-of-files',
]);

export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  constructor(
    readonly code: ProxyErrorCode | string,
    readonly status: number,
    message: string,
    /** The edge may retry elsewhere: sent as `x-switchyard-refused`. */
    readonly refused: boolean = false,
    readonly retryAfterS: number | null = null,
    /** No byte of this request reached any upstream (also implied by the refusal codes above). */
    readonly notStarted: boolean = false,
    /** Where to reconnect (a draining proxy's hand-off), sent as `x-switchyard-reconnect`. */
    readonly reconnect: string | null = null,
  ) {
    super(message);
  }

  /**
   * The `x-switchyard-refused` value, or null: `not-started` when the request provably never
   * reached an upstream (the edge may then send even a POST to its next cluster), `1` when it
   * may have (the edge retries only idempotent requests).
   */
  refusedHeader(): string | null {
    if (this.notStarted || NOT_STARTED_CODES.has(this.code)) return 'not-started';
    return this.refused ? '1' : null;
  }

  toJSON(): ErrorBody {
    return errorBody(this);
  }
}

/**
 * Who caused a failed attempt. Only `replica` faults feed the outlier detector, circuit breakers
 * and health reports, and only they name the cluster in outcomes and metrics; `client` faults
 * answer 4xx; `proxy` faults (our own abort, an unknown error) are nobody's verdict on the
 * replica, so they are logged with it (PROXY_FAULT_LOG) (logProxyFault) instead of recorded against it (a
 * cluster's failed outcome is a replica error in the edge's snapshot). `local`: this process had
 * no open file left for the connect (EMFILE/ENFILE: its connections hold them all): nothing was
 * sent, and trying another replica here would fail alike, so the answer is a `not-started` 503
 * the edge re-sends to another proxy.
 */
export type Blame = 'client' | 'replica' | 'proxy' | 'local';

/** Does this fault name the attempt's cluster and replica (outcome rows, attempt metrics)? */
export function namesUpstream(f: AttemptFault): boolean {
  return f.blame === 'replica';
}

/**
 * Where and with which status an attempt that ended in `f` is recorded (outcome rows): a
 * replica's own answer (`upstream-status`: a 5xx, or a refused WebSocket upgrade) at its replica
 * with that status; no answer, by the replica's fault, at its replica with status 0; anything
 * else (the client's fault, our own, no open file) at no cluster with the client's status.
 */
export function failedAttemptPlace(
  f: AttemptFault,
  clusterId: string,
  url: string,
): { readonly clusterId: string | null; readonly endpoint: string | null; readonly status: number } {
  if (f.code === 'upstream-status') return { clusterId, endpoint: url, status: f.status };
  if (namesUpstream(f)) return { clusterId, endpoint: url, status: 0 };
  return { clusterId: null, endpoint: null, status: f.status };
}

/**
 * A `proxy` fault is unknown to the classifier, so possibly our own defect: logged as an error
 * with the replica it happened at, since no outcome or metric names it.
 */
export function logProxyFault(
  logger: { error(fields: object, message: string): void },
  request: { readonly did?: string; readonly app: string },
  at: { readonly clusterId: string; readonly endpoint: { readonly url: string } },
  f: AttemptFault,
): void {
  logger.error(
    { ...request, cluster: at.clusterId, endpoint: at.endpoint.url, code: f.code, detail: f.detail },
    'upstream attempt failed with an unclassified error (not counted against the replica)',
  );
}

/** How one upstream attempt failed, and what that allows. */
export interface AttemptFault {
  readonly code:
    | 'client-invalid'
    | 'client-unsupported'
    | 'client-body-aborted'
    | 'body-too-large'
    | 'upstream-unreachable'
    | 'upstream-reset'
    | 'upstream-timeout'
    | 'upstream-status'
    | 'upstream-error'
    | 'upstream-tls'
    | 'proxy-out-of-files'
    | 'aborted';
  readonly blame: Blame;
  /** The request provably never reached the replica (connect failed, refused locally). */
  readonly beforeSend: boolean;
  /** What the client gets when this fault ends the exchange. */
  readonly status: number;
  readonly detail: string;
}

/** The client's request body failed while we streamed it upstream (client left or sent too little). */
export class ClientBodyError extends Error {
  override readonly name = 'ClientBodyError';
  /**
   * `body-too-large` (413) when the body outgrew the app's limit while it streamed (body-limit.ts
   * throws that as a ProxyError): the same answer as a declared length over it. Else the client
   * stopped short: `client-body-aborted` (400).
   */
  readonly code: 'client-body-aborted' | 'body-too-large';
  readonly status: number;
  constructor(cause: unknown) {
    super(
      cause instanceof ProxyError
        ? cause.message
        : `the client's request body ended early: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    const tooLarge = cause instanceof ProxyError && cause.code === 'body-too-large';
    this.code = tooLarge ? 'body-too-large' : 'client-body-aborted';
    this.status = cause instanceof ProxyError ? cause.status : 400;
  }
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
/**
 * The process's own open-file limit (EMFILE) or the system's (ENFILE): a socket could not even be
 * created, so the connect never left this machine. Never the replica's fault.
 */
const LOCAL_RESOURCE_CODES = new Set(['EMFILE', 'ENFILE']);
/**
 * The replica's certificate was refused (OpenSSL's verify results as Node names them, and a name
 * that does not match). Verification ends the handshake, before the request is written.
 */
const CERT_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
/** The replica answered something unparseable or oversized: its fault. */
const BAD_ANSWER_CODES = new Set([
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
]);
/**
 * Refused locally before any I/O because of what the client sent (undici, Node's http, `ws`).
 * Not `ERR_INVALID_ARG_TYPE` / `_VALUE`: those are usually our own bugs, and must be logged as
 * the proxy's (502), not hidden as a client's 400.
 */
const CLIENT_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_INVALID_CHAR',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'ERR_UNESCAPED_CHARACTERS',
  // HTTP/2 upstreams (h2-upstream-call.ts): a header value or repetition HTTP/2 cannot carry.
  'ERR_HTTP2_INVALID_HEADER_VALUE',
  'ERR_HTTP2_HEADER_SINGLE_VALUE',
]);

function errorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string' && own !== '') return own;
  const cause = (err as { cause?: unknown }).cause;
  return cause === undefined ? '' : errorCode(cause);
}

function fault(
  code: AttemptFault['code'],
  blame: Blame,
  beforeSend: boolean,
  status: number,
  detail: string,
): AttemptFault {
  return { code, blame, beforeSend, status, detail };
}

/** `ws` throws plain errors without codes; these are its messages for what the client asked. */
function wsClientMistake(err: unknown): boolean {
  return (
    err instanceof SyntaxError ||
    (err instanceof Error && /invalid or duplicated subprotocol|Invalid URL/i.test(err.message))
  );
}

/** Map an undici / `ws` / socket error to an attempt fault (the one boundary for foreign errors). */
export function classifyUpstreamError(
  err: unknown,
  opts: { aborted?: boolean } = {},
): AttemptFault {
  if (err instanceof ClientBodyError) return fault(err.code, 'client', false, err.status, err.message);
  const code = errorCode(err);
  const detail = `${code || 'error'}: ${err instanceof Error ? err.message : String(err)}`;
  if (opts.aborted === true || code === 'UND_ERR_ABORTED')
    return fault('aborted', 'proxy', false, 502, detail);
  if (code === 'UND_ERR_NOT_SUPPORTED')
    return fault('client-unsupported', 'client', true, 400, detail);
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH')
    return fault('client-body-aborted', 'client', false, 400, detail);
  if (CLIENT_CODES.has(code) || wsClientMistake(err))
    return fault('client-invalid', 'client', true, 400, detail);
  if (LOCAL_RESOURCE_CODES.has(code)) return fault('proxy-out-of-files', 'local', true, 503, detail);
  if (CONNECT_CODES.has(code))
    return code === 'UND_ERR_CONNECT_TIMEOUT'
      ? fault('upstream-timeout', 'replica', true, 504, detail)
      : fault('upstream-unreachable', 'replica', true, 503, detail);
  if (RESET_CODES.has(code)) return fault('upstream-reset', 'replica', false, 502, detail);
  const tls = tlsFault(code, detail);
  if (tls !== null) return tls;
  if (
    TIMEOUT_CODES.has(code) ||
    (err instanceof Error && err.message === 'Opening handshake has timed out')
  )
    return fault('upstream-timeout', 'replica', false, 504, detail);
  if (BAD_ANSWER_CODES.has(code) || code.startsWith('HPE_'))
    return fault('upstream-error', 'replica', false, 502, detail);
  // Unknown: no verdict on the replica (it may be our bug or the client's), but not retried either.
  return fault('upstream-error', 'proxy', false, 502, detail);
}

/**
 * TLS with a replica failed: the replica cannot be served through from here, whatever the request
 * (its certificate, or its port, is the replica's or its operator's to fix). A refused
 * certificate or a port that does not speak TLS ends the handshake, before a byte of the request.
 */
function tlsFault(code: string, detail: string): AttemptFault | null {
  if (CERT_CODES.has(code))
    return fault('upstream-tls', 'replica', true, 502, `its TLS certificate was refused (${detail}); if it is signed by a private CA, give the proxy that CA with NODE_EXTRA_CA_CERTS`);
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER')
    return fault('upstream-tls', 'replica', true, 502, `its port does not speak TLS (${code}); if it serves plain HTTP, its URL must start with http://`);
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO')
    return fault('upstream-tls', 'replica', code.includes('HANDSHAKE'), 502, `TLS with it failed (${detail})`);
  return null;
}

/**
 * A replica's answer that counts as its failure: any 5xx except those that describe the
 * request itself (501 not implemented, 505 version). 4xx are the client's business.
 */
export function faultForStatus(status: number): AttemptFault | null {
  if (status < 500 || status === 501 || status === 505) return null;
  return fault('upstream-status', 'replica', false, status, `replica answered ${status}`);
}

/** The error a client gets when `f` ends its exchange at `clusterId`. */
export function errorForFault(f: AttemptFault, clusterId: string, why: string): ProxyError {
  if (f.blame === 'client') return new ProxyError(f.code, f.status, `request refused: ${f.detail}`);
  if (f.blame === 'local') return outOfFiles();
  // A TLS failure's cause is the operator's to fix and says nothing of the request: named.
  const cause = f.code === 'upstream-tls' ? `${f.code}: ${f.detail}` : f.code;
  return new ProxyError(
    f.code,
    f.status,
    `cluster ${clusterId} failed (${cause}); ${why}`,
    true,
    1,
    f.beforeSend,
  );
}

/**
 * This proxy could not open a connection for lack of file descriptors (EMFILE/ENFILE): its own
 * state, not the replica's. Nothing was sent, so the edge may re-send even a POST elsewhere.
 */
export function outOfFiles(): ProxyError {
  return new ProxyError(
    'proxy-out-of-files',
    503,
    'this proxy has no open file left for a connection to a replica (its open-file limit is used by its connections); nothing was sent: retry after 1s or through another proxy',
    true,
    1,
    true,
  );
}
