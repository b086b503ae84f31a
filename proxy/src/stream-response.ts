/**
 * Pumps one upstream response to the client: headers first (so SSE clients
 * see the stream open), then the body with backpressure both ways, an idle
 * watch only for non-streaming bodies, and an abort the client cannot mistake
 * for a clean end when the upstream dies mid-body. Tells one `StreamDone` what
 * happened instead of stashing it anywhere.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { CLIENT_CLOSED, CLIENT_STALLED } from '../../shared/http/client-ended.ts';
import { abortResponse, writeChunk, type ClientResponse } from './client-io.ts';
import { classifyUpstreamError, type AttemptFault } from './errors.ts';
import { downstreamResponseHeaders } from './headers.ts';
import { lingerIfBodyUnread } from './lingering-close.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { UpstreamAbort } from './upstream-abort.ts';
import type { BodySink, UpstreamResponse } from './upstream-call.ts';
import { flattenString } from './flat-string.ts';

export interface StreamResult {
  readonly bytesOut: number;
  /** Why the body did not end cleanly (`client-closed`, `idle-timeout`, an upstream error), or null. */
  readonly error: string | null;
  /** A replica fault that cut the body (counted against the replica), or null. */
  readonly fault: AttemptFault | null;
}

/**
 * Told once, when the body is over. An object, not a promise: a held stream would keep a promise,
 * its reactions and their closures (and every promise chained on them) for its whole life.
 */
export interface StreamDone {
  streamed(result: StreamResult): void;
}

function isStreamingResponse(headers: Record<string, string | string[] | undefined>): boolean {
  const ct = String(headers['content-type'] ?? '').toLowerCase();
  return (
    ct.includes('text/event-stream') ||
    ct.includes('application/x-ndjson') ||
    ct.includes('application/jsonl')
  );
}

function writeHead(
  rt: ProxyRuntime,
  res: ClientResponse,
  up: UpstreamResponse,
  clusterId: string,
  appId: string,
): void {
  // A fresh map per answer already: the cluster header goes into it, not into a second copy.
  const outHeaders: OutgoingHttpHeaders = downstreamResponseHeaders(up.headers, appId);
  outHeaders['x-switchyard-cluster'] = clusterId;
  if (!('stream' in res)) {
    if (rt.draining) outHeaders['connection'] = 'close';
    // The replica answered before the client's body was all here (a 413 at its own limit): the
    // rest is never read, so this connection cannot carry another request (kept alive, the next
    // one waited behind the unread bytes until the keep-alive timeout reset it). Closed, after a
    // lingering read so the client still gets this answer.
    if (!res.req.complete) {
      outHeaders['connection'] = 'close';
      lingerIfBodyUnread(res.req, res);
    }
  }
  res.writeHead(up.statusCode, outHeaders);
  // Headers at once when no body byte is here yet, so SSE clients see the stream open before the
  // first event. When the first event arrived with the replica's head (usual on loopback and in
  // one region) they leave together in one write: flushing the head alone cost a second write and
  // a second wake-up of the client before its first chunk (first-sse-chunk-is-not-held.test.ts).
  if (!('stream' in res) && !up.bodyArrived) (res as ServerResponse).flushHeaders();
}

/**
 * Node's HTTP/1.1 `write` corks the socket and uncorks it on the next tick; called from a promise
 * continuation, as the body's first chunks are, that tick comes only after every other queued
 * microtask (the rest of the delivery, other exchanges' work). A stream's first event is what the
 * client waits for: send it now.
 */
function flushNow(res: ClientResponse): void {
  if ('stream' in res) return; // HTTP/2 frames leave on their own schedule
  const socket = (res as ServerResponse).socket;
  while (socket !== null && socket.writableCorked > 0) socket.uncork();
}

/**
 * The body pump of one response, as one object: a held stream lives for hours, and the closures
 * and once-wrappers this replaced (finish, onClose, data, end, error, each with its context)
 * cost ~0.5 KB per stream for as long as it is held.
 */
class StreamPump implements BodySink {
  private bytes = 0;
  private done = false;
  private why: string | null = null;
  private fault: AttemptFault | null = null;
  private idle: NodeJS.Timeout | null = null;
  /**
   * `on`, not `once` (no once-wrapper and state object per stream): finish() removes it. Bound,
   * not an arrow field: tsx (esbuild keepNames) redefines an arrow field's name, a ~256-byte
   * property dictionary per stream.
   */
  private readonly onClose: () => void = this.clientClosed.bind(this);
  private onDrain: (() => void) | null = null;
  /** The upstream is paused until the client reads (backpressure): silence is not the replica's. */
  private waitingForClient = false;

  constructor(
    private readonly res: ClientResponse,
    private readonly up: UpstreamResponse,
    private readonly ac: UpstreamAbort,
    private to: StreamDone | null,
  ) {
    res.on('close', this.onClose);
  }

  /** Armed only after pipe(): a small response usually ended inside it, and then needs no timer. */
  armIdle(ms: number): void {
    if (this.done) return;
    this.idle = setTimeout(() => {
      if (this.waitingForClient) {
        // The replica was paused for a client that read nothing since: the client's doing. It
        // was blamed on the replica, and three such clients at once ejected it for their app.
        this.why = CLIENT_STALLED;
        this.ac.abort();
        this.up.abort(new Error('client stopped reading'));
        return;
      }
      this.why = 'idle-timeout';
      this.fault = {
        code: 'upstream-timeout',
        blame: 'replica',
        beforeSend: false,
        status: 504,
        detail: 'idle-timeout',
      };
      this.up.abort(new Error('idle timeout'));
    }, ms);
  }

  get ended(): boolean {
    return this.done;
  }

  get bytesOut(): number {
    return this.bytes;
  }

  data(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.idle !== null) this.idle.refresh();
    if (writeChunk(this.res, chunk)) return true;
    // Made on the first backpressure only: most streams never need it.
    this.onDrain ??= this.clientDrained.bind(this);
    this.res.once('drain', this.onDrain);
    this.waitingForClient = true;
    return false;
  }

  private clientDrained(): void {
    this.waitingForClient = false;
    // The replica's turn again, with its whole idle budget: the client's pause is not its time.
    if (this.idle !== null) this.idle.refresh();
    this.up.resume();
  }

  end(): void {
    this.res.end();
    this.finish();
  }

  error(err: Error): void {
    if (this.done) return;
    // Our own abort (client left, drain) is recorded as the client's doing, not the upstream's.
    if (this.ac.aborted && this.why === null) this.why = CLIENT_CLOSED;
    if (this.why === null) {
      this.fault = classifyUpstreamError(err);
      this.why = this.fault.detail;
    }
    // Upstream died (or went idle) mid-response: the client must see an error, never a clean end.
    // (Already ended: a drain hand-off wrote its final event and cut the upstream after it.)
    if (!this.res.writableEnded) abortResponse(this.res);
    this.finish();
  }

  private clientClosed(): void {
    if (this.res.writableEnded) return;
    this.why ??= CLIENT_CLOSED;
    this.ac.abort();
    this.up.abort(new Error('client closed'));
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    this.res.off('close', this.onClose);
    const to = this.to;
    this.to = null;
    to?.streamed({ bytesOut: this.bytes, error: this.why, fault: this.fault });
  }
}

/**
 * A held stream's response head stays on the ServerResponse (`_header`, which `headersSent`
 * reads) for the stream's whole life, as the string tree Node concatenated it from (~37 string
 * nodes, ~1.2 KB): flattened, it is the head's bytes once.
 */
function flattenSentHead(res: ClientResponse): void {
  if ('stream' in res) return;
  const head = (res as unknown as { _header?: unknown })._header;
  if (typeof head === 'string') flattenString(head);
}

/** Throws only what `writeHead` throws (before anything is sent); `done` is then never told. */
export function streamResponse(
  rt: ProxyRuntime,
  res: ClientResponse,
  up: UpstreamResponse,
  clusterId: string,
  /** The app the replica serves: its cookies are scoped to it. */
  appId: string,
  ac: UpstreamAbort,
  done: StreamDone,
): void {
  if (res.writableEnded || res.destroyed) {
    up.abort(new Error('client gone'));
    done.streamed({ bytesOut: 0, error: CLIENT_CLOSED, fault: null });
    return;
  }
  const streaming = isStreamingResponse(up.headers);
  writeHead(rt, res, up, clusterId, appId);
  // Nothing reads the replica's head after this (the content type was read above and by the
  // caller): a held stream need not keep the parsed header map for hours.
  up.headWritten();
  if (streaming) flattenSentHead(res);
  const pump = new StreamPump(res, up, ac, done);
  up.pipe(pump);
  // The chunks that came with the head were written (corked) inside pipe(): out in one write now.
  if (streaming && !pump.ended && pump.bytesOut > 0) flushNow(res);
  if (!streaming && rt.config.idleTimeoutMs > 0) pump.armIdle(rt.config.idleTimeoutMs);
}
