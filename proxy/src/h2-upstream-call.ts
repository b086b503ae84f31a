/**
 * One upstream request as an HTTP/2 stream (clusters configured `h2`), behind the same
 * `UpstreamResponse` as the HTTP/1.1 call (upstream-call.ts), so attempts, streaming, retries and
 * blame see no difference. Errors leave here with the codes the HTTP/1.1 path produces for the
 * same event (errors.ts classifies them): a connection that never came up is a connect failure
 * (nothing was sent), a stream reset, a GOAWAY or a lost connection after the request went out
 * is a reset, a silent replica is a headers timeout, our own abort is undici's abort. Aborting
 * resets the upstream stream (RST_STREAM CANCEL) and leaves the connection's other streams alone.
 */
import http2, { type ClientHttp2Stream, type IncomingHttpHeaders as H2Headers } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { errors } from 'undici';
import type { H2Connection, H2UpstreamPool, H2Waiter } from './h2-upstream-pool.ts';
import type { HeaderMap } from './headers.ts';
import type { AbortWatcher, UpstreamAbort } from './upstream-abort.ts';
import type { UpstreamResponse } from './upstream-call.ts';
import { UpstreamBody } from './upstream-body.ts';

const { NGHTTP2_CANCEL } = http2.constants;

export interface H2CallOptions {
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: HeaderMap;
  readonly body: Buffer | Readable | null;
  /** Time to the response head; 0 = none. */
  readonly headersTimeout: number;
}

const coded = (message: string, code: string): Error => Object.assign(new Error(message), { code });

/** Stream events go to the call through shared functions: no closures per stream. */
const kCall = Symbol('h2-call');
type Tagged = ClientHttp2Stream & { [kCall]?: H2Call };

function onResponse(this: Tagged, headers: H2Headers): void {
  this[kCall]?.head(headers);
}
function onData(this: Tagged, chunk: Buffer): void {
  this[kCall]?.data(chunk);
}
/**
 * Node ends a stream's readable side also when its connection is destroyed (killed, GOAWAY and
 * gone), then with a non-zero rstCode: only an end on a live session with no reset is the
 * server's END_STREAM. The other kind is left to `close`, which fails the call as a reset.
 */
function onEnd(this: Tagged): void {
  if (this.session?.destroyed !== true && (this.rstCode ?? 0) === 0) this[kCall]?.finish({ kind: 'end' });
}
function onError(this: Tagged, err: Error): void {
  this[kCall]?.streamError(err);
}
function onClose(this: Tagged): void {
  const call = this[kCall];
  delete this[kCall];
  call?.closed(this.rstCode ?? 0);
}

class H2Call extends UpstreamBody implements H2Waiter, UpstreamResponse, AbortWatcher {
  private stream: Tagged | null = null;
  private conn: H2Connection | null = null;
  private streamErr: Error | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The head's budget, kept to re-arm it once a streamed body has been sent. */
  private headersTimeout = 0;

  constructor(
    private readonly pool: H2UpstreamPool,
    private opts: H2CallOptions | null,
    private readonly signal: UpstreamAbort,
    private settle: { resolve(r: UpstreamResponse): void; reject(e: Error): void } | null,
  ) {
    super();
    signal.watch(this);
  }

  start(): void {
    const o = this.opts;
    if (o === null) return;
    this.headersTimeout = o.headersTimeout;
    this.armHeadTimer();
    this.pool.acquire(o.origin, this);
  }

  ready(conn: H2Connection): void {
    const o = this.opts;
    this.opts = null;
    if (o === null || this.outcome !== null) return void conn.released();
    this.conn = conn;
    let stream: Tagged;
    try {
      stream = conn.session.request(
        { ...o.headers, ':method': o.method, ':path': o.path },
        { endStream: o.body === null },
      );
    } catch (err) {
      // Refused locally (a header HTTP/2 forbids): nothing was sent.
      conn.released();
      this.conn = null;
      return this.fail(err instanceof Error ? err : new Error(String(err)));
    }
    stream[kCall] = this;
    this.stream = stream;
    stream.on('response', onResponse);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (Buffer.isBuffer(o.body) && o.body.length <= BODY_PIECE) stream.end(o.body);
    else if (Buffer.isBuffer(o.body)) {
      // Whole in one write, a large body sat in the connection's outbound queue until the replica
      // read it, and past maxSessionMemory every other stream on the connection (any app's) was
      // reset: in pieces as the stream drains, the queue holds a few of them. Timed like any body.
      this.clearHeadTimer();
      sendBody(Readable.from(pieces(o.body), { objectMode: false }), stream, this);
    } else if (o.body !== null) {
      // The client's body is still arriving: its pace is the client's, not the replica's. The
      // head's clock restarts once the body has all been sent, as undici's does for HTTP/1.1, so a
      // slow upload is never a replica timeout (which would count against it and eject it).
      this.clearHeadTimer();
      sendBody(o.body, stream, this);
    }
  }

  /**
   * The whole request body has been handed to the stream (the replica's turn starts now), or the
   * stream stopped taking it (`blocked`: a replica that does not read its body is as hung as one
   * that does not answer, and is timed the same way).
   */
  bodySent(): void {
    if (this.outcome === null && !this.headSeen) this.armHeadTimer();
  }

  /** The stream took more of the body after being blocked: the client's pace again. */
  bodyFlowing(): void {
    this.clearHeadTimer();
  }

  private armHeadTimer(): void {
    this.clearHeadTimer();
    if (this.headersTimeout > 0) this.timer = setTimeout(() => this.timedOut(), this.headersTimeout);
  }

  private clearHeadTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  failed(err: Error): void {
    this.opts = null;
    this.fail(err);
  }

  upstreamAborted(): void {
    this.abort(new errors.RequestAbortedError());
  }

  head(h: H2Headers): void {
    this.clearHeadTimer();
    this.headSeen = true;
    this.statusCode = Number(h[':status'] ?? 0);
    const out: IncomingHttpHeaders = {};
    for (const name in h) if (!name.startsWith(':')) out[name] = h[name] as string | string[];
    this.headers = out;
    this.settle?.resolve(this);
    this.settle = null;
  }

  data(chunk: Buffer): void {
    this.push(chunk);
  }

  streamError(err: Error): void {
    this.streamErr ??= err;
  }

  /** The stream closed: without its end that is a reset, whatever the connection did. */
  closed(rstCode: number): void {
    this.conn?.released();
    this.conn = null;
    this.stream = null;
    if (this.outcome !== null) return;
    const e = this.streamErr;
    const known = e !== null && (e as { code?: unknown }).code === 'ERR_HTTP2_STREAM_ERROR';
    this.fail(
      known ? e : coded(`HTTP/2 stream closed before its end (rst ${rstCode}${e === null ? '' : `, ${e.message}`})`, 'ECONNRESET'),
    );
  }

  protected pauseSource(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  abort(reason: Error): void {
    if (this.outcome !== null) return;
    this.fail(reason);
  }

  private timedOut(): void {
    this.timer = null;
    if (!this.headSeen) this.fail(coded('HTTP/2 response head did not arrive in time', 'UND_ERR_HEADERS_TIMEOUT'));
  }

  /** Ends the exchange with `err`: the promise rejects before the head, the sink errs after it. */
  fail(err: Error): void {
    if (this.outcome !== null) return;
    const stream = this.stream;
    // Reset our stream only: the connection and its other streams carry on.
    if (stream !== null && !stream.closed) stream.close(NGHTTP2_CANCEL);
    if (this.opts !== null) {
      this.pool.cancel(this.opts.origin, this);
      this.opts = null;
    }
    if (!this.headSeen) {
      this.outcome = { kind: 'error', err };
      this.cleanup();
      this.settle?.reject(err);
      this.settle = null;
      return;
    }
    this.finish({ kind: 'error', err });
  }

  protected cleanup(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.signal.unwatch(this);
  }
}

/** Largest piece of a held body written to an HTTP/2 stream at once (its default window). */
const BODY_PIECE = 64 * 1024;

function* pieces(body: Buffer): Generator<Buffer> {
  for (let at = 0; at < body.length; at += BODY_PIECE) yield body.subarray(at, at + BODY_PIECE);
}

/** Streams the client's body; its failure (ClientBodyError: the client's fault) ends the call. */
function sendBody(body: Readable, stream: ClientHttp2Stream, call: H2Call): void {
  body.once('error', (err: Error) => {
    call.fail(err);
  });
  stream.once('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  if (body.readableEnded) call.bodySent();
  else body.once('end', () => call.bodySent());
  body.pipe(stream);
  // Backpressure is the replica's: time it like a missing head until the stream drains. After
  // pipe's own listener, so the chunk this sees has been written.
  body.on('data', () => {
    if (stream.writableNeedDrain && !body.readableEnded) call.bodySent();
  });
  stream.on('drain', () => {
    if (!body.readableEnded) call.bodyFlowing();
  });
}

/** Send one request on an HTTP/2 connection; resolves at the response head. */
export function callH2Upstream(pool: H2UpstreamPool, opts: H2CallOptions, signal: UpstreamAbort): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new errors.RequestAbortedError());
    new H2Call(pool, opts, signal, { resolve, reject }).start();
  });
}
