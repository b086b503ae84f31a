/**
 * The per-request state of one proxied HTTP exchange (client side, body
 * tracker, abort switch) and its two I/O steps besides streaming: one upstream
 * call, classified into a response or a typed fault, and the outcome record.
 * Nothing is kept in module-level maps: each exchange owns its results.
 */
import type { Dispatcher } from 'undici';
import { Readable } from 'node:stream';
import type { Attempt } from './attempt-plan.ts';
import type { ClientRequest, ClientResponse } from './client-io.ts';
import { ClientBodyError, classifyUpstreamError, failedAttemptPlace, logProxyFault, namesUpstream, type AttemptFault } from './errors.ts';
import type { upstreamRequestHeaders } from './headers.ts';
import type { RequestTarget } from './request-target.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { StreamResult } from './stream-response.ts';
import { UpstreamAbort } from './upstream-abort.ts';
import { declaredLength } from './body-limit.ts';
import type { UpstreamResponse } from './upstream-call.ts';
import type { RequestTrace } from './tracing-request.ts';

export type CallResult =
  | { readonly ok: true; readonly up: UpstreamResponse }
  | { readonly ok: false; readonly fault: AttemptFault };

function hasBody(req: ClientRequest): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  if (req.headers['transfer-encoding'] !== undefined) return true;
  // HTTP/2 has no framing headers: a body may follow unless the stream already ended.
  return req.httpVersionMajor === 2
    ? !req.readableEnded && req.method !== 'GET' && req.method !== 'HEAD'
    : false;
}

/** The upstream time-to-first-byte limit: the app's budget, within the proxy-wide ceiling. */
export function ttfbLimitMs(appBudgetMs: number, proxyCeilingMs: number): number {
  return proxyCeilingMs > 0 ? Math.min(appBudgetMs, proxyCeilingMs) : appBudgetMs;
}

/**
 * Does this request's first byte come early? Streams (SSE) answer with the first token,
 * GET/HEAD have no generation to wait for. Anything else may be a non-streaming generation,
 * whose first byte is the whole answer: it gets the app's (long) non-streaming budget, so a
 * long generation is never a 504 blamed on the replica.
 */
export function firstByteComesEarly(method: string, accept: string | string[] | undefined): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  const a = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
  return a.toLowerCase().includes('text/event-stream');
}

function pickJson(a: Attempt): string | null {
  return a.pick === null ? null : JSON.stringify(a.pick);
}

function withLength(
  headers: ReturnType<typeof upstreamRequestHeaders>,
  length: number,
): ReturnType<typeof upstreamRequestHeaders> {
  const out: Record<string, string | string[]> = { ...headers, 'content-length': String(length) };
  delete out['transfer-encoding'];
  return out;
}

const EMPTY = Buffer.alloc(0);
/** The request head once no attempt can follow: one shared object, not an empty one per stream. */
const NO_HEADERS: ReturnType<typeof upstreamRequestHeaders> = Object.freeze({});

/**
 * The exchange is its own abort switch (one object, not two: a held stream keeps both for hours).
 */
export class HttpExchange extends UpstreamAbort {
  readonly start: number;
  readonly method: string;
  clientGone = false;
  /** This request's spans when it is traced (tracing.ts); null otherwise. */
  trace: RequestTrace | null = null;
  /** An upstream request was started: from here on a replica may have begun the work. */
  dispatched = false;
  /** The answer being delivered is an SSE stream (drain hands it off with a final event). */
  eventStream = false;
  private bodyRead = false;
  /** The whole client body, when a managed stream read it first: every attempt re-sends it. */
  private buffered: Buffer | null = null;
  private bytesIn = 0;
  private readonly bodyExpected: boolean;
  private ttfbMs: number;

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly req: ClientRequest,
    readonly res: ClientResponse,
    /**
     * The decision id is all an exchange needs of its token (outcome records, logs): not the claims
     * object, its fallbacks list and strings, which a held stream would keep for hours.
     */
    readonly decisionId: string,
    readonly target: RequestTarget,
    private headers: ReturnType<typeof upstreamRequestHeaders>,
  ) {
    super();
    this.start = rt.now();
    this.method = (req.method ?? 'GET').toUpperCase();
    this.bodyExpected = hasBody(req);
    const rules = rt.registry.routing(target.appId).requests;
    this.ttfbMs = ttfbLimitMs(
      firstByteComesEarly(this.method, req.headers.accept)
        ? rules.ttfbBudgetMs
        : rules.nonStreamingTtfbBudgetMs,
      rt.config.upstreamHeadersTimeoutMs,
    );
    // Bound, not an arrow: no closure and context per exchange (StreamPump's listener, the same).
    res.on('close', this.clientClosed.bind(this));
  }

  private clientClosed(): void {
    if (this.res.writableEnded) return;
    this.clientGone = true;
    this.abort();
  }

  /**
   * The answer being delivered is the last attempt (no retry, no continuation can follow): the
   * request head and body kept for retries are let go, which a held stream would otherwise keep
   * for hours (a prompt body can be tens of KB).
   */
  lastAttemptDelivering(): void {
    this.headers = NO_HEADERS;
    if (this.buffered !== null) this.buffered = EMPTY;
  }

  /** Some of the client's body was consumed: it cannot be sent again. */
  get bodyStarted(): boolean {
    return this.bodyRead && this.buffered === null;
  }

  get abortSwitch(): UpstreamAbort {
    return this;
  }

  /** The client's whole body as it arrived, read by the proxy before the first attempt: what a trace records. */
  traceReceived(bytes: Buffer): void {
    this.trace?.requestChunk(bytes);
    this.trace?.requestEnded();
  }

  /** The whole body, already read (inference-aware prompt): sent as is, and again on a retry. */
  useBody(bytes: Buffer): void {
    this.buffered = bytes;
    this.bytesIn = bytes.length;
  }

  /**
   * One upstream request; settles at the response head or with the attempt's classified fault.
   * `buffered`: a body the proxy already read (managed streams), sent instead of the client's.
   */
  async call(a: Attempt, override: Buffer | null = null): Promise<CallResult> {
    this.dispatched = true;
    const buffered = override ?? this.buffered;
    try {
      const up = await this.rt.upstreams.call(
        a.clusterId,
        {
          origin: a.endpoint.url,
          path: this.target.upstreamPath,
          method: this.method as Dispatcher.HttpMethod,
          headers: this.attemptHeaders(a, buffered),
          body: buffered ?? (this.bodyExpected ? (this.arrivedBody() ?? this.body()) : null),
          // A replica that accepts and never answers is a hung replica after this long.
          headersTimeout: this.ttfbMs,
        },
        this,
      );
      // A replica's 429 says how much of it this proxy may hold (replica-shares.ts, `learn`).
      if (up.statusCode === 429) this.rt.replicaShares.refusedBy(a.endpoint.url, this.rt.now());
      return { ok: true, up };
    } catch (err) {
      return { ok: false, fault: classifyUpstreamError(err, { aborted: this.clientGone }) };
    }
  }

  private attemptHeaders(a: Attempt, buffered: Buffer | null): ReturnType<typeof upstreamRequestHeaders> {
    const base = buffered === null ? this.headers : withLength(this.headers, buffered.length);
    return this.trace === null ? base : this.trace.attemptHeaders(this.attemptFacts(a), base);
  }

  private attemptFacts(a: Attempt): { number: number; clusterId: string; endpointUrl: string; method: string; path: string } {
    return { number: a.number, clusterId: a.clusterId, endpointUrl: a.endpoint.url, method: this.method, path: this.target.upstreamPath };
  }

  /** The request's time-to-first-byte budget (the app's, within the proxy ceiling). */
  get ttfbBudgetMs(): number {
    return this.ttfbMs;
  }

  /** The body said `"stream": true`: the first byte comes early, the streaming budget applies. */
  markStreaming(): void {
    const rules = this.rt.registry.routing(this.target.appId).requests;
    this.ttfbMs = ttfbLimitMs(rules.ttfbBudgetMs, this.rt.config.upstreamHeadersTimeoutMs);
  }

  /**
   * Reads the whole client body (within the app's limit, enforced while it streams) and keeps it
   * for every attempt. Throws ClientBodyError when the client's side fails.
   */
  async readBody(): Promise<Buffer> {
    if (this.buffered !== null) return this.buffered;
    const parts: Buffer[] = [];
    if (this.bodyExpected) for await (const chunk of this.body() as AsyncIterable<Buffer>) parts.push(chunk);
    this.buffered = Buffer.concat(parts);
    return this.buffered;
  }

  /**
   * The whole body when it is already here (declared length, every byte parsed and buffered in the
   * request; usual for a small prompt, which arrives with or right after the head): taken at once
   * and kept for every attempt, like a managed stream's. Streamed instead, the upstream head waits
   * for the body's first chunk to come through the async pipe below, event-loop turns after the
   * dispatch (`first-upstream-write-carries-the-body.test.ts`). Null: stream it.
   */
  private arrivedBody(): Buffer | null {
    const req = this.req;
    const length = declaredLength(req.headers);
    if (length === null || req.headers['transfer-encoding'] !== undefined) return null;
    if (!req.complete || req.readableLength !== length || req.readableDidRead) return null;
    const parts: Buffer[] = [];
    for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) parts.push(chunk);
    const bytes = parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
    this.trace?.requestChunk(bytes);
    this.trace?.requestEnded();
    this.useBody(bytes);
    return bytes;
  }

  /** A body source undici pulls lazily; client-side failures surface as ClientBodyError. */
  private body(): Readable {
    const req = this.req;
    const started = (): void => void (this.bodyRead = true);
    const trace = this.trace;
    const counted = (chunk: Buffer): void => {
      this.bytesIn += chunk.length;
      trace?.requestChunk(chunk);
    };
    return Readable.from(
      (async function* () {
        started();
        try {
          for await (const chunk of req as AsyncIterable<Buffer>) {
            counted(chunk);
            yield chunk;
          }
          trace?.requestEnded();
        } catch (err) {
          throw new ClientBodyError(err);
        }
      })(),
      { objectMode: false },
    );
  }

  /**
   * An attempt that got no answer. A client fault is the client's, and a connect this process had
   * no open file for is its own (`local`): no cluster or replica named.
   */
  recordFailure(a: Attempt, fault: AttemptFault): void {
    this.trace?.attemptEnded(a.number, { kind: 'failed', fault });
    const blamesUpstream = namesUpstream(fault);
    if (fault.blame === 'proxy') logProxyFault(this.rt.logger, { did: this.decisionId, app: this.target.appId }, a, fault);
    this.rt.metrics.attempts.inc({
      cluster: blamesUpstream ? a.clusterId : 'none',
      result: fault.code,
    });
    this.rt.recordOutcome({
      decisionId: this.decisionId,
      appId: this.target.appId,
      attempt: a.number,
      proxyId: this.rt.config.id,
      ...failedAttemptPlace(fault, a.clusterId, a.endpoint.url),
      ttfbMs: null,
      durationMs: this.rt.now() - a.startedAt,
      bytesIn: this.bytesIn,
      bytesOut: 0,
      error: fault.detail,
      at: this.rt.now(),
      replicaPick: pickJson(a),
    });
  }

  /** An attempt that was answered and streamed (completely or not). */
  recordAnswer(
    a: Attempt,
    status: number,
    /** Null: no first byte arrived (a stream cut or left before its first chunk). */
    ttfbMs: number | null,
    result: StreamResult,
    streamRecovery: 'continued' | null = null,
  ): void {
    this.trace?.attemptEnded(a.number, { kind: 'answered', status, result, genAi: null });
    const rt = this.rt;
    const durationMs = rt.now() - this.start;
    rt.recordOutcome({
      decisionId: this.decisionId,
      appId: this.target.appId,
      attempt: a.number,
      proxyId: rt.config.id,
      clusterId: a.clusterId,
      endpoint: a.endpoint.url,
      status,
      ttfbMs,
      durationMs,
      bytesIn: this.bytesIn,
      bytesOut: result.bytesOut,
      error: result.error,
      at: rt.now(),
      replicaPick: pickJson(a),
      ...(streamRecovery === null ? {} : { streamRecovery }),
    });
    // Access logs off (the usual production level is warn) must cost nothing per request.
    if (!rt.logger.isLevelEnabled('info')) return;
    const { appId: app, fn } = this.target;
    rt.logger.info(
      {
        did: this.decisionId,
        app,
        fn,
        method: this.method,
        status,
        cluster: a.clusterId,
        endpoint: a.endpoint.url,
        attempt: a.number,
        ttfbMs,
        durationMs,
        bytesIn: this.bytesIn,
        bytesOut: result.bytesOut,
        error: result.error,
        ...(a.pick === null ? {} : { pick: a.pick }),
      },
      'request',
    );
  }
}
