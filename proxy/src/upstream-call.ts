/**
 * One upstream HTTP request on undici's handler API (`dispatcher.dispatch`),
 * not `dispatcher.request`: no AsyncResource, body Readable or per-chunk
 * stream machinery per exchange (they dominated the proxy's own CPU on the
 * profile). The promise settles at the response head (or rejects with
 * undici's error before it); the body is then pushed to a sink with
 * backpressure (`data` returning false pauses until `resume()`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { errors, util, type Dispatcher } from 'undici';
import type { AbortWatcher, UpstreamAbort } from './upstream-abort.ts';
import { UpstreamBody } from './upstream-body.ts';
import type { CarriedRequest, UpstreamClient } from './upstream-client.ts';

/** Where the response body goes once the head has been handled. */
export interface BodySink {
  /** One chunk; return false to pause the upstream until `resume()`. */
  data(chunk: Buffer): boolean;
  end(): void;
  /** The upstream failed or was aborted after the head: the body is incomplete. */
  error(err: Error): void;
}

export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  /** Body bytes (or its end) already arrived, so headers can leave with them in one write. */
  readonly bodyArrived: boolean;
  /** Attach the body sink; chunks that arrived before it are delivered first. */
  pipe(sink: BodySink): void;
  resume(): void;
  /** The client's head was written from `headers`: nothing reads them again, let them go. */
  headWritten(): void;
  /** Stop the exchange; the sink sees `error(reason)`. */
  abort(reason: Error): void;
}

/**
 * undici's core handler interface (onConnect / onHeaders / onData / onComplete / onError), which
 * its HTTP/1.1 and HTTP/2 clients call directly. The newer controller interface
 * (onRequestStart / onResponseStart / …) is an adapter over it that allocates a controller per
 * request and keeps the raw header Buffers on it, each a slice pinning the socket read that
 * carried the head, for as long as the exchange lives: on a held stream, ~1.5 KB for hours.
 */
type CoreHandler = Required<Pick<Dispatcher.DispatchHandler, 'onConnect' | 'onHeaders' | 'onData' | 'onComplete' | 'onError'>>;

class UpstreamCall extends UpstreamBody implements CoreHandler, UpstreamResponse, AbortWatcher, CarriedRequest {
  private abortRequest: ((err?: Error) => void) | null = null;
  private resumeRequest: (() => void) | null = null;
  /** Read by undici when the next onData returns. */
  private paused = false;
  /** The HTTP/1.1 connection carrying this request, until its answer's end (upstream-client.ts). */
  private carrier: UpstreamClient | null = null;
  /** undici has written the whole request, body included, to the socket. */
  private requestSent = false;

  constructor(
    private readonly signal: UpstreamAbort,
    /** Bytes of the request's body (Infinity: streamed, length unknown); 0: none. */
    private readonly bodyBytes: number,
    /** The head's promise; dropped once settled (its functions would live as long as a stream). */
    private settle: { resolve(r: UpstreamResponse): void; reject(e: Error): void } | null,
  ) {
    super();
    signal.watch(this);
  }

  upstreamAborted(): void {
    this.abort(new errors.RequestAbortedError());
  }

  carriedBy(connection: UpstreamClient): void {
    // Without a body nothing can be left unread: a held GET stream keeps no reference.
    if (this.bodyBytes > 0) this.carrier = connection;
  }

  onRequestSent(): void {
    this.requestSent = true;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortRequest = abort;
    // Aborted while queued for a connection: undici only hands us the abort now.
    if (this.signal.aborted) abort(new errors.RequestAbortedError());
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx informational: the final head follows
    this.headSeen = true;
    this.statusCode = statusCode;
    this.headers = util.parseHeaders(rawHeaders) as IncomingHttpHeaders;
    this.resumeRequest = resume;
    this.settle?.resolve(this);
    this.settle = null;
    return !this.paused;
  }

  onData(chunk: Buffer): boolean {
    this.push(chunk);
    return !this.paused;
  }

  onComplete(): void {
    if (this.mayLeaveBodyUnread()) this.carrier?.closeAfterResponse();
    this.carrier = null;
    this.finish({ kind: 'end' });
  }

  /**
   * Could the connection still hold bytes of this request's body the replica never read? Yes if
   * they were not all written (an answer before the end of the upload), and after any answer to a
   * body larger than one read takes (`UNREAD_BODY_BYTES`): a replica may answer at the head (a 413,
   * 401 or 429, and a 200 too: a handler that answers from the head) and keep the connection alive
   * without reading the rest, and nothing on the proxy's side tells whether it did (loopback
   * buffers take megabytes, so even a 3 MiB body looked sent). Such a connection carries no other
   * request (its next request, anyone's, would be parsed from the body's leftovers). A small body
   * arrives with its head and an HTTP server reads it or closes: closing after every small POST
   * would leave a TIME_WAIT socket per request, and one tenant's flood would use up the ports to a
   * shared replica. A large one costs a new connection per request, small beside its upload.
   */
  private mayLeaveBodyUnread(): boolean {
    if (this.bodyBytes === 0) return false;
    const queued = this.carrier?.unsentBytes ?? 0;
    return !this.requestSent || queued > 0 || this.bodyBytes > UNREAD_BODY_BYTES;
  }

  onError(err: Error): void {
    if (!this.headSeen) {
      this.signal.unwatch(this);
      this.outcome = { kind: 'error', err };
      this.settle?.reject(err);
      this.settle = null;
      return;
    }
    this.finish({ kind: 'error', err });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeRequest?.();
  }

  abort(reason: Error): void {
    if (this.outcome !== null) return;
    if (this.abortRequest !== null) this.abortRequest(reason);
    // Not yet on a socket: onConnect aborts as soon as undici calls it.
  }

  protected pauseSource(): void {
    this.paused = true;
  }

  protected cleanup(): void {
    this.carrier = null;
    this.signal.unwatch(this);
  }
}

/** Past this, a refused body may not all have been read by the replica (a socket read's worth). */
export const UNREAD_BODY_BYTES = 64 * 1024;

/** The body's size: its bytes, else its declared length, else Infinity (a stream of unknown length). */
function bodyBytesOf(opts: Dispatcher.DispatchOptions): number {
  const body = opts.body;
  if (body === null || body === undefined) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  const headers = opts.headers;
  const declared = headers === null || headers === undefined || Array.isArray(headers) ? undefined : (headers as Record<string, unknown>)['content-length'];
  const n = Number(declared);
  return declared !== undefined && Number.isFinite(n) ? n : Infinity;
}

/** Send one request; resolves with the response head, rejects with undici's error before it. */
export function callUpstream(
  dispatcher: Dispatcher,
  opts: Dispatcher.DispatchOptions,
  signal: UpstreamAbort,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(opts, new UpstreamCall(signal, bodyBytesOf(opts), { resolve, reject }));
  });
}
