/**
 * Watches one delivered answer for the GenAI facts the metrics and the attempt span report:
 * when its first body chunk arrived (time to first chunk/token), its token usage (read from
 * the last few KB: the final usage chunk of a stream, the `usage` object of a JSON answer),
 * and how a stream ended. The body passes through untouched; per chunk it costs a counter and
 * a reference kept to the tail, and nothing for answers that are not OpenAI-style GenAI calls.
 */
import { genAiOperation, genAiUsageFromTail, timePerOutputTokenSeconds, type GenAiUsage } from '../../shared/tracing/genai.ts';
import { countStream } from './metrics.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { StreamResult } from './stream-response.ts';
import type { RequestTrace } from './tracing-request.ts';
import type { BodySink, UpstreamResponse } from './upstream-call.ts';
import { endedByClient } from '../../shared/http/client-ended.ts';

/** Bytes of the answer's end kept to find the usage object (a usage chunk is ~200 bytes). */
const TAIL_BYTES = 8 * 1024;

export interface GenAiOutcome {
  readonly streaming: boolean;
  /** Upstream request start to first body chunk, ms; null when no body arrived. */
  readonly firstChunkMs: number | null;
  readonly usage: GenAiUsage | null;
  readonly ended: 'completed' | 'cut' | 'client_closed';
}

/** Told when a watched answer's first body chunk arrived (`rt.now()` time). */
export interface FirstChunkListener {
  firstChunk(at: number): void;
}

function streamingType(up: UpstreamResponse): boolean {
  const ct = String(up.headers['content-type'] ?? '').toLowerCase();
  return ct.includes('text/event-stream') || ct.includes('application/x-ndjson') || ct.includes('application/jsonl');
}

/**
 * Stands in for the upstream response while its body streams: same head, and every body chunk
 * passes through `data` on its way to the real sink. A class with no per-request closures; and
 * `watchGenAi` builds none at all for an answer nothing would be recorded about.
 */
export class GenAiWatch implements UpstreamResponse, BodySink {
  /** A streamed answer (SSE or NDJSON): its first token is its first body chunk, not its head. */
  readonly streaming: boolean;
  private readonly keepTail: boolean;
  private firstChunkAt: number | null = null;
  private firstChunkListener: FirstChunkListener | null = null;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private sink: BodySink | null = null;

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly app: string,
    private readonly cluster: string,
    private readonly startedAt: number,
    private readonly up: UpstreamResponse,
    streaming: boolean,
    keepTail: boolean,
  ) {
    this.streaming = streaming;
    this.keepTail = keepTail;
  }

  get statusCode(): number {
    return this.up.statusCode;
  }

  get headers(): UpstreamResponse['headers'] {
    return this.up.headers;
  }

  get bodyArrived(): boolean {
    return this.up.bodyArrived;
  }

  headWritten(): void {
    this.up.headWritten();
  }

  pipe(sink: BodySink): void {
    this.sink = sink;
    this.up.pipe(this);
  }

  resume(): void {
    this.up.resume();
  }

  abort(reason: Error): void {
    this.up.abort(reason);
  }

  /** `l` is told the time of the first body chunk, once (before that chunk goes on). */
  onFirstChunk(l: FirstChunkListener): void {
    this.firstChunkListener = l;
  }

  data(chunk: Buffer): boolean {
    if (this.firstChunkAt === null) {
      this.firstChunkAt = this.rt.now();
      this.firstChunkListener?.firstChunk(this.firstChunkAt);
    }
    if (this.keepTail) this.keep(chunk);
    return this.sink === null || this.sink.data(chunk);
  }

  end(): void {
    this.sink?.end();
  }

  error(err: Error): void {
    this.sink?.error(err);
  }

  private keep(chunk: Buffer): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    let head = this.tail[0];
    while (head !== undefined && this.tail.length > 1 && this.tailBytes - head.length >= TAIL_BYTES) {
      this.tail.shift();
      this.tailBytes -= head.length;
      head = this.tail[0];
    }
  }

  /** Records the GenAI metrics for this answer and returns what it saw (for the attempt span). */
  finish(result: StreamResult): GenAiOutcome {
    const m = this.rt.metrics;
    const labels = { app: this.app, cluster: this.cluster };
    const usage = this.keepTail && this.tail.length > 0 ? genAiUsageFromTail(Buffer.concat(this.tail).toString('utf8')) : null;
    this.tail = [];
    const firstChunkMs = this.firstChunkAt === null ? null : this.firstChunkAt - this.startedAt;
    // A client leaving is not a cut on the cluster's side (a client's fault never counts against a cluster).
    const ended = endOf(result);
    if (usage !== null) {
      m.genAiTokens.inc({ ...labels, type: 'input' }, usage.inputTokens);
      m.genAiTokens.inc({ ...labels, type: 'output' }, usage.outputTokens);
    }
    if (this.streaming) {
      countStream(m, this.app, this.cluster, ended);
      if (firstChunkMs !== null) m.genAiTimeToFirstChunk.observe(labels, firstChunkMs / 1000);
      const tpot = usage === null || this.firstChunkAt === null ? null : timePerOutputTokenSeconds(this.firstChunkAt, this.rt.now(), usage.outputTokens);
      if (tpot !== null) m.genAiTimePerOutputToken.observe(labels, tpot);
    }
    return { streaming: this.streaming, firstChunkMs, usage, ended };
  }
}

/**
 * The watch for one answer, or null when it would record nothing: not a stream (no TTFT, no
 * stream end), not a 2xx OpenAI-style GenAI call (no usage) and not traced (no span attributes).
 * Most answers of apps that are not GenAI APIs then cost nothing here.
 */
export function watchGenAi(
  rt: ProxyRuntime,
  app: string,
  fn: string,
  cluster: string,
  startedAt: number,
  up: UpstreamResponse,
  traced: boolean,
): GenAiWatch | null {
  const streaming = streamingType(up);
  const keepTail = up.statusCode >= 200 && up.statusCode < 300 && genAiOperation(fn) !== null;
  if (!streaming && !keepTail && !traced) return null;
  return new GenAiWatch(rt, app, cluster, startedAt, up, streaming, keepTail);
}

/** What a delivery path knows of its exchange and attempt (HttpExchange and Attempt fit). */
export interface GenAiExchange {
  readonly target: { readonly appId: string; readonly fn: string };
  readonly trace: RequestTrace | null;
}
export interface GenAiAttempt {
  readonly number: number;
  readonly clusterId: string;
  readonly startedAt: number;
}

/**
 * The one GenAI hook of every path that delivers a replica's answer (forward-http's plain
 * delivery and the managed streams' splice, continuation-session.ts): call it at the answer's
 * head and stream the body through what it returns (the watch, or `up` itself when nothing
 * would be recorded); then `recordDelivery` at the end. Before, only the plain path did, and a
 * managed stream recorded no TTFT, tokens or stream end.
 */
export function watchDelivery(rt: ProxyRuntime, ex: GenAiExchange, a: GenAiAttempt, up: UpstreamResponse): GenAiWatch | null {
  return watchGenAi(rt, ex.target.appId, ex.target.fn, a.clusterId, a.startedAt, up, ex.trace !== null);
}

/**
 * Records what the watch saw: the GenAI metrics (traced or not) and, when traced, the attempt
 * span's GenAI attributes. Call it before the attempt's span ends (`recordAnswer`).
 */
export function recordDelivery(watch: GenAiWatch | null, ex: GenAiExchange, a: GenAiAttempt, result: StreamResult): void {
  // Not inside `ex.trace?.…(…)`: optional chaining skips the arguments too, and the metrics must
  // be recorded whether or not this request is traced.
  const genAi = watch?.finish(result) ?? null;
  if (genAi !== null) ex.trace?.attemptGenAi(a.number, genAi);
}

function endOf(result: StreamResult): GenAiOutcome['ended'] {
  return result.error === null ? 'completed' : endedByClient(result.error) ? 'client_closed' : 'cut';
}
