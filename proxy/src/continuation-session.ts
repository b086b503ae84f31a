/**
 * One managed SSE stream (issue 14 #1, #2), for apps that opt in with `requests.streams`:
 *
 * * heartbeats: `200 text/event-stream` goes out at once and an SSE comment every interval
 *   until the replica's first body byte, then the replica's events are spliced in;
 * * continuation: when the replica dies (or answers a failure, or its body ends cleanly before
 *   the answer finished: no `finish_reason`, no `[DONE]`) after the stream started, the
 *   request is re-issued on another replica (same cluster, then the token's fallbacks) asking it
 *   to continue the partial answer, and its events are rewritten into the same stream (same id);
 * * whatever cannot go on ends with an `event: error` in the OpenAI format, never silently.
 *
 * Time to first byte: `ttfbBudgetMs` runs from each attempt's dispatch to that replica's first
 * *body* byte (headers alone do not stop it: vLLM sends them before a long prefill); heartbeats
 * never extend it. Past it the attempt is a hung replica: the stream goes on elsewhere when it
 * may (continuation, or a connect failure), else it ends with an SSE error at the budget. There
 * is no idle limit once bytes flow (as for every stream through the proxy).
 */
import type { AppStreamRules } from '../../shared/domain/stream-rules.ts';
import type { Attempt, AttemptPlan } from './attempt-plan.ts';
import { sendError } from './client-io.ts';
import { asBuffer } from './budgeted-body.ts';
import type { StreamFacts, StreamRequest } from './continuation-request.ts';
import { ContinuableRelay, StreamTracker } from './continuation-sse.ts';
import { classifyUpstreamError, errorForFault, faultForStatus, ProxyError, type AttemptFault } from './errors.ts';
import { downstreamResponseHeaders } from './headers.ts';
import { recordJobPin } from './job-pins.ts';
import { countStream } from './metrics.ts';
import { SseDownstream, type OpenAiError } from './heartbeat-writer.ts';
import type { HttpExchange } from './http-exchange.ts';
import type { ProxyRuntime } from './runtime.ts';
import { recordDelivery, watchDelivery } from './tracing-genai-watch.ts';
import type { UpstreamResponse } from './upstream-call.ts';

/** Continuations one stream may take: a stream outliving more replica deaths than this ends. */
export const MAX_CONTINUATIONS = 8;
/**
 * Heartbeat streams open this long after the request (or at the first heartbeat, if sooner):
 * at once for any client or middlebox, yet late enough that an immediate refusal (no replica,
 * open circuit, connection refused everywhere) still goes to the edge as a status it can fail
 * over on, instead of an error event inside a 200.
 */
export const OPEN_GRACE_MS = 250;
/** A failing replica's answer body kept to pass its OpenAI error on. */
const MAX_ERROR_BODY = 64 * 1024;

export interface ManagedStream {
  readonly body: Buffer;
  readonly request: StreamRequest;
  readonly rules: AppStreamRules;
}

/** What the normal path does with an answer a managed stream does not take over. */
export interface PlainPath {
  /** Stream a replica's answer as is (nothing was sent to the client yet). */
  deliver(a: Attempt, up: UpstreamResponse): Promise<void>;
}

type Step =
  | { readonly kind: 'finished' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'plain'; readonly up: UpstreamResponse }
  | {
      readonly kind: 'failed';
      readonly fault: AttemptFault;
      /** The replica's own OpenAI error, when it answered one. */
      readonly upstreamError: OpenAiError | null;
    };

interface Session {
  readonly rt: ProxyRuntime;
  readonly ex: HttpExchange;
  readonly plan: AttemptPlan;
  readonly m: ManagedStream;
  readonly down: SseDownstream;
  readonly tracker: StreamTracker | null;
  continuations: number;
}

/**
 * The managed-stream facts of an exchange, or null when the normal path carries it: only JSON
 * POSTs of apps that opted in, whose body says `"stream": true` (or that accept
 * `text/event-stream`). Reads the body of such POSTs (within the app's limit) so every attempt
 * can re-send it; `answered` when reading it failed and the client got its 4xx.
 */
export async function managedStreamOf(
  rt: ProxyRuntime,
  ex: HttpExchange,
  accept: string | string[] | undefined,
  contentType: string | undefined,
): Promise<ManagedStream | 'answered' | null> {
  const rules = rt.registry.routing(ex.target.appId).requests.streams;
  if ((!rules.heartbeats && !rules.continuation) || ex.method !== 'POST') return null;
  // Only JSON requests are managed: an upload (multipart audio, files, up to maxBodyBytes)
  // streams through as it arrives instead of being held whole in memory first.
  if (!(contentType ?? 'application/json').toLowerCase().includes('json')) return null;
  let body: Buffer;
  try {
    body = await ex.readBody();
  } catch (err) {
    const fault = classifyUpstreamError(err);
    sendError(ex.res, errorForFault(fault, 'none', 'the request body could not be read'));
    return 'answered';
  }
  let facts: StreamFacts;
  try {
    // On the parse thread if large (body-parser.ts): the body's JSON is the sender's to make costly.
    facts = await rt.bodyParser.run(ex.target.project, { op: 'stream', bytes: body, upstreamPath: ex.target.upstreamPath, accept });
  } catch (err) {
    sendError(ex.res, err instanceof ProxyError ? err : new ProxyError('body-parse-failed', 503, 'the request body could not be read; retry', false, 1));
    return 'answered';
  }
  const request: StreamRequest = { ...facts, raw: body };
  if (!request.streaming) return null;
  ex.markStreaming();
  return { body, request, rules };
}

/** Runs one managed stream to its end. Never throws; always ends the client's response. */
export async function runManagedStream(
  rt: ProxyRuntime,
  ex: HttpExchange,
  plan: AttemptPlan,
  m: ManagedStream,
  plain: PlainPath,
): Promise<void> {
  const { kind } = m.request;
  const tracker =
    m.rules.continuation && m.request.notContinuable === null && kind !== null
      ? new StreamTracker(kind, m.rules.continuationMaxChars)
      : null;
  const s: Session = { rt, ex, plan, m, down: new SseDownstream(ex.res), tracker, continuations: 0 };
  // Whatever opens the client's stream here is SSE: a drain hands it off with a final event
  // instead of cutting it (a plain answer sets this again from its own content type).
  ex.eventStream = true;
  let a = plan.next();
  if (a === null) {
    sendError(ex.res, plan.refusal());
    return;
  }
  if (m.rules.heartbeats) {
    const every = m.rules.heartbeatIntervalMs;
    const headers = { 'x-switchyard-cluster': a.clusterId, 'x-switchyard-heartbeat-ms': String(every) };
    s.down.openSoon(Math.min(OPEN_GRACE_MS, every), headers, every, () => rt.metrics.heartbeatStreams.inc());
  }
  let body = m.body;
  try {
    while (a !== null) {
      const step = await attempt(s, a, body);
      if (step.kind === 'gone' || step.kind === 'finished') return;
      if (step.kind === 'plain') {
        await plain.deliver(a, step.up);
        return;
      }
      const next = nextAttempt(s, a, step.fault);
      if (next === null) {
        endFailed(s, a, step);
        return;
      }
      const sent = 'body' in next ? next.body : await continuedBody(s, next.partial);
      if (sent instanceof ProxyError) {
        next.attempt.release();
        endFailed(s, a, step, `the continuation request could not be built (${sent.code})`);
        return;
      }
      body = sent;
      a = next.attempt;
      // A continuation prefills prompt + partial answer first: beat until its first byte too.
      if (m.rules.heartbeats && s.down.opened) s.down.startHeartbeats(m.rules.heartbeatIntervalMs);
    }
  } finally {
    s.down.stopHeartbeats();
    a?.release();
  }
}

/**
 * Where the stream goes after `a` failed: a continuation (the app opted in and the stream can
 * go on), a plain retry (the request provably never reached a replica), or nowhere. Continuations
 * are bounded by MAX_CONTINUATIONS, not by the retry budget: a replica's death must not cost the
 * streams it carried because many of them need a new replica at once.
 */
function nextAttempt(
  s: Session,
  a: Attempt,
  fault: AttemptFault,
): { readonly attempt: Attempt; readonly body: Buffer } | { readonly attempt: Attempt; readonly partial: PartialAnswer } | null {
  a.release();
  // Out of open files (`local`): a continuation from this process would fail alike.
  if (fault.blame === 'client' || fault.blame === 'local') return null;
  const t = s.tracker;
  const continuable = t !== null && t.blocked === null && !t.finished;
  if (!continuable && !fault.beforeSend) return null;
  if (continuable && !fault.beforeSend) {
    if (s.continuations >= MAX_CONTINUATIONS) return null;
    s.plan.restartFor(a);
  }
  const next = s.plan.next();
  if (next === null) return null;
  if (!continuable && !s.rt.budget.tryRetry(s.ex.target.appId, s.rt.now())) {
    next.release();
    return null;
  }
  s.rt.metrics.retries.inc({ reason: fault.code });
  if (t === null || !continuable) return { attempt: next, body: s.m.body };
  if (!fault.beforeSend) {
    s.continuations += 1;
    if (t.id !== null) t.startContinuation();
  }
  return t.tokens > 0 ? { attempt: next, partial: { text: t.text, tokens: t.tokens } } : { attempt: next, body: s.m.body };
}

/** The answer so far, to be continued: its text, sent as `tokens` content events. */
interface PartialAnswer {
  readonly text: string;
  readonly tokens: number;
}

/** The request that continues `partial` (built on the parse thread for a large body), or why it could not be built. */
async function continuedBody(s: Session, partial: PartialAnswer): Promise<Buffer | ProxyError> {
  const task = { op: 'continuation', bytes: s.m.request.raw, kind: s.m.request.kind, text: partial.text, tokens: partial.tokens } as const;
  try {
    return asBuffer(await s.rt.bodyParser.run(s.ex.target.project, task));
  } catch (err) {
    return err instanceof ProxyError ? err : new ProxyError('body-parse-failed', 503, String(err), false, 1);
  }
}

/** One upstream attempt: the call, then (for a 200 event stream) the splice. */
async function attempt(s: Session, a: Attempt, body: Buffer): Promise<Step> {
  const { ex, plan } = s;
  const result = await ex.call(a, body);
  if (ex.clientGone || ex.abortSwitch.aborted) {
    if (result.ok) result.up.abort(new Error('client gone'));
    return { kind: 'gone' };
  }
  if (!result.ok) {
    plan.failed(a, result.fault);
    ex.recordFailure(a, result.fault);
    return { kind: 'failed', fault: result.fault, upstreamError: null };
  }
  const up = result.up;
  const eventStream = String(up.headers['content-type'] ?? '').toLowerCase().includes('text/event-stream');
  if (up.statusCode === 200 && eventStream) {
    plan.succeeded(a);
    // The job's answer begins here: pin it as forward-http's delivery does (a continuation moves it).
    recordJobPin(s.rt, ex.target, a, up.statusCode);
    return splice(s, a, up);
  }
  // A refusal or a non-stream answer: as is while the client has seen nothing, else an error.
  if (!s.down.opened && (s.tracker === null || s.tracker.id === null)) return { kind: 'plain', up };
  const fault = faultForStatus(up.statusCode) ?? {
    code: 'upstream-status' as const,
    blame: up.statusCode >= 400 && up.statusCode < 500 ? ('client' as const) : ('replica' as const),
    beforeSend: false,
    status: up.statusCode >= 400 ? up.statusCode : 502,
    detail: `replica answered ${up.statusCode} ${String(up.headers['content-type'] ?? '')} instead of an event stream`,
  };
  if (fault.blame === 'replica') plan.failed(a, fault);
  const upstreamError = await readOpenAiError(up);
  ex.recordAnswer(a, up.statusCode, s.rt.now() - a.startedAt, { bytesOut: 0, error: fault.detail, fault });
  return { kind: 'failed', fault, upstreamError };
}

/** The replica's `{"error": {...}}` body, when it sent one (bounded read). */
function readOpenAiError(up: UpstreamResponse): Promise<OpenAiError | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      try {
        const v = JSON.parse(Buffer.concat(parts).toString('utf8')) as { error?: Partial<OpenAiError> | string };
        const e = v.error;
        if (typeof e === 'object' && e !== null && typeof e.message === 'string')
          resolve({ message: e.message, type: String(e.type ?? 'upstream_error'), param: e.param ?? null, code: e.code ?? null });
        else resolve(null);
      } catch {
        resolve(null);
      }
    };
    up.pipe({
      data(chunk) {
        size += chunk.length;
        if (size <= MAX_ERROR_BODY) parts.push(chunk);
        else up.abort(new Error('error body too large'));
        return true;
      },
      end: done,
      error: done,
    });
  });
}

/** Stream a replica's events into the client's stream until it ends or fails. */
function splice(s: Session, a: Attempt, answer: UpstreamResponse): Promise<Step> {
  const { rt, ex, down } = s;
  const continuing = s.continuations > 0;
  // The same GenAI hook as a plain delivery: TTFT, tokens and stream end of this attempt.
  const watch = watchDelivery(rt, ex, a, answer);
  const up = watch ?? answer;
  return new Promise((resolve) => {
    const relay = s.tracker === null ? null : new ContinuableRelay(s.tracker);
    let bytes = 0;
    let ttfb: number | null = null;
    let timedOut = false;
    let settled = false;
    const remaining = Math.max(0, ex.ttfbBudgetMs - (rt.now() - a.startedAt));
    const budget = setTimeout(() => {
      timedOut = true;
      up.abort(new Error(`no first byte within the ${ex.ttfbBudgetMs} ms budget`));
    }, remaining);
    const settle = (step: Step, error: string | null, fault: AttemptFault | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(budget);
      ex.res.off('close', onClose);
      if (fault !== null) s.plan.brokeMidBody(a, fault);
      rt.metrics.requestsBatch.inc(a.clusterId, '200');
      const result = { bytesOut: bytes, error, fault };
      recordDelivery(watch, ex, a, result);
      // No first byte (cut, timed out or left before it): no TTFB, as for plain streams.
      ex.recordAnswer(a, 200, ttfb, result, continuing ? 'continued' : null);
      resolve(step);
    };
    const onClose = (): void => {
      if (ex.res.writableEnded) return;
      up.abort(new Error('client closed'));
      settle({ kind: 'gone' }, 'client-closed', null);
    };
    ex.res.once('close', onClose);
    const first = (): void => {
      ttfb = rt.now() - a.startedAt;
      clearTimeout(budget);
      // The replica's time to its first body byte: what the latency reports and histogram mean.
      rt.latency.ttfb(a.clusterId, ttfb);
      rt.metrics.ttfb.observe({ cluster: a.clusterId }, ttfb / 1000);
      rt.metrics.attemptsBatch.inc(a.clusterId, '200');
      down.stopHeartbeats();
      if (!down.opened) down.open({ ...downstreamResponseHeaders(up.headers, ex.target.appId), 'x-switchyard-cluster': a.clusterId });
      if (continuing) {
        down.comment(`switchyard: the replica died mid-stream; continued on ${a.clusterId} (continuation ${s.continuations})`);
        rt.metrics.streamRecoveries.inc({ cluster: a.clusterId, result: 'continued' });
        // The GenAI stream counter (completed|cut|continued) sees continued streams too.
        countStream(rt.metrics, ex.target.appId, a.clusterId, 'continued');
      }
    };
    up.pipe({
      data(chunk) {
        if (ttfb === null) first();
        const out = relay === null ? chunk : relay.push(chunk);
        if (out.length === 0) return true;
        bytes += typeof out === 'string' ? Buffer.byteLength(out) : out.length;
        if (down.write(out)) return true;
        ex.res.once('drain', () => up.resume());
        return false;
      },
      end() {
        if (ttfb === null) first();
        const cut = cleanEndIsCut(s.tracker);
        if (cut === null) down.end(relay?.rest() ?? '');
        settle(cut === null ? { kind: 'finished' } : { kind: 'failed', fault: cut, upstreamError: null }, cut?.detail ?? null, cut);
      },
      error(err) {
        if (ex.clientGone) {
          settle({ kind: 'gone' }, 'client-closed', null);
          return;
        }
        const fault: AttemptFault = timedOut
          ? { code: 'upstream-timeout', blame: 'replica', beforeSend: false, status: 504, detail: `first-byte budget (${ex.ttfbBudgetMs} ms) exceeded` }
          : classifyUpstreamError(err);
        settle({ kind: 'failed', fault, upstreamError: null }, fault.detail, fault);
      },
    });
  });
}

/**
 * A clean end of body before the answer finished (chunks seen, then no `finish_reason` and no
 * `[DONE]`) is a cut all the same: an ingress or sidecar in front of a dying engine, or a dev
 * server restarting its Worker, may end the chunked body cleanly. Passed on, the client would take
 * a short answer for a whole one; so a stream that can be continued is, like after a reset (and
 * one that then cannot ends with an error event).
 */
function cleanEndIsCut(t: StreamTracker | null): AttemptFault | null {
  if (t === null || t.id === null || t.finished || t.blocked !== null) return null;
  return { code: 'upstream-reset', blame: 'replica', beforeSend: false, status: 502, detail: 'the replica ended the stream before its answer finished (no finish_reason, no [DONE])' };
}

/** No attempt is left: an SSE error when the stream is open, else the usual JSON refusal. */
function endFailed(s: Session, a: Attempt, step: Extract<Step, { kind: 'failed' }>, reason?: string): void {
  const { rt, down, tracker } = s;
  const why =
    reason ??
    (tracker !== null
      ? (tracker.blocked ?? (tracker.finished ? 'the answer had finished' : s.continuations >= MAX_CONTINUATIONS ? `the stream was continued ${MAX_CONTINUATIONS} times` : 'no replica was left to continue it'))
      : s.m.rules.continuation
        ? (s.m.request.notContinuable ?? 'it cannot be continued')
        : `${s.rt.config.id} does not continue streams of this app (requests.streams.continuation)`);
  if (s.m.rules.continuation && down.opened)
    rt.metrics.streamRecoveries.inc({ cluster: a.clusterId, result: tracker === null || tracker.blocked !== null ? 'impossible' : 'exhausted' });
  if (!down.opened) {
    down.stopHeartbeats();
    // Nothing reached a replica: the plan's refusal tells the edge it may try its next cluster.
    if (step.fault.beforeSend) sendError(s.ex.res, s.plan.refusal());
    else sendError(s.ex.res, errorForFault(step.fault, a.clusterId, `not continued: ${why}`));
    return;
  }
  down.fail(
    step.upstreamError ?? {
      // The fault's code, never its detail: a socket message names the replica's address.
      message: `The stream failed on cluster ${a.clusterId} (${step.fault.code}) and was not continued: ${why}. The answer is incomplete.`,
      type: step.fault.blame === 'client' ? 'invalid_request_error' : 'upstream_error',
      param: null,
      code: step.fault.code,
    },
  );
}
