/**
 * Carries one verified HTTP exchange to a replica: plan → call → stream →
 * record. The attempt planner (attempt-plan.ts) walks the token's cluster then
 * its fallbacks and does the breaker / outlier accounting; this file does the
 * I/O. A failed attempt or a replica's 5xx is retried only when it is safe
 * (the request body was never read, and the request never reached a replica
 * or is idempotent) and the retry budget allows. The response streams back
 * with backpressure and no duration cap; an upstream that dies mid-response
 * aborts the client's response.
 */
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import { AttemptPlan, clustersOf, type Attempt } from './attempt-plan.ts';
import {
  clientHost,
  clientProto,
  sendError,
  type ClientRequest,
  type ClientResponse,
} from './client-io.ts';
import { declaredLength } from './body-limit.ts';
import { handOffOrAbort } from './drain-handoff.ts';
import { drainCutError, drainingError } from './drain-refusals.ts';
import { ClientBodyError, ProxyError, errorForFault, faultForStatus, type AttemptFault } from './errors.ts';
import { readDeclaredBody, readPromptBody, readsPrompt } from './replica-prompt.ts';
import { saltedBody, saltsPromptCache } from './prompt-cache-isolation.ts';
import { upstreamRequestHeaders } from './headers.ts';
import { spanId, traceId } from './random-ids.ts';
import { HttpExchange } from './http-exchange.ts';
import { managedStreamOf, runManagedStream } from './continuation-session.ts';
import { recordJobPin } from './job-pins.ts';
import type { RequestTarget } from './request-target.ts';
import { streamResponse, type StreamDone, type StreamResult } from './stream-response.ts';
import type { UpstreamResponse } from './upstream-call.ts';
import type { ProxyRuntime, Tracked } from './runtime.ts';
import { recordDelivery, watchDelivery, type FirstChunkListener } from './tracing-genai-watch.ts';
import type { RequestTrace } from './tracing-request.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * Told once, when the exchange is over: `failed` with what escaped it (a bug, never a client's or
 * replica's fault, which the exchange answers itself). An object, not a promise: see StreamDone.
 */
export interface ForwardDone {
  forwardOver(failed: boolean, err: unknown): void;
}

/** forwardTo as a promise, for callers that await the whole exchange (budgeted apps). */
export function forwardHttp(
  rt: ProxyRuntime,
  req: ClientRequest,
  res: ClientResponse,
  claims: RoutingClaims,
  target: RequestTarget,
  trace: RequestTrace | null = null,
): Promise<void> {
  return new Promise((resolve, reject) => {
    forwardTo(rt, req, res, claims, target, trace, { forwardOver: (failed, err) => (failed ? reject(err) : resolve()) });
  });
}

/**
 * Proxy one exchange whose token passed the gate; always ends `res`, then tells `done`.
 * No promise lives as long as the exchange: on the usual path (nothing to read or decide before
 * the first attempt) a held stream keeps only its StreamPump → Delivery → TrackedExchange → `done`.
 */
export function forwardTo(
  rt: ProxyRuntime,
  req: ClientRequest,
  res: ClientResponse,
  claims: RoutingClaims,
  target: RequestTarget,
  trace: RequestTrace | null,
  done: ForwardDone,
): void {
  const headers = upstreamRequestHeaders(req.headers, {
    policy: target.headerPolicy, // credentials only for apps that forward them
    clientIp: req.socket?.remoteAddress ?? 'unknown',
    proto: clientProto(req),
    host: clientHost(req),
    traceId,
    spanId,
  });
  const ex = new HttpExchange(rt, req, res, claims.did, target, headers);
  ex.trace = trace;
  const tracked = new TrackedExchange(rt, ex, done);
  rt.inFlight.add(tracked);
  rt.metrics.httpInFlight.n += 1;
  rt.budget.request(target.appId, ex.start);
  // Apps that opt in to heartbeats / continuation get their streams managed (issue 14), and a
  // budgeted or inference-aware app's body is read first: those go through the async path.
  const streams = rt.registry.routing(target.appId).requests.streams;
  if (target.tokenMeter !== undefined || streams.heartbeats || streams.continuation || readsPrompt(rt, req, target.appId) || saltsPromptCache(rt, req, target.appId)) {
    void forwardPrepared(rt, req, ex, tracked, clustersOf(claims), streams.heartbeats || streams.continuation);
    return;
  }
  tracked.plan = new AttemptPlan(rt, target.appId, target.project, clustersOf(claims), req.headers, null);
  startAttempts(rt, ex, tracked);
}

/** forwardTo's path when the body is read or the stream is managed before the first attempt. */
async function forwardPrepared(
  rt: ProxyRuntime,
  req: ClientRequest,
  ex: HttpExchange,
  tracked: TrackedExchange,
  clusters: string[],
  managedApp: boolean,
): Promise<void> {
  const target = ex.target;
  try {
    // A budgeted app's body was read (and maybe rewritten) at admission (token-budgets.ts).
    const prompt = target.tokenMeter?.body ?? (readsPrompt(rt, req, target.appId) ? await readPromptBody(rt, req, target) : null);
    // Those bodies got their project's prompt-cache salt as they were parsed; any other JSON POST
    // of a salting app is read and salted here (a managed stream's then reads it from `ex`).
    if (prompt !== null) {
      if (prompt.received !== undefined) ex.traceReceived(prompt.received);
      ex.useBody(prompt.bytes);
    } else if (saltsPromptCache(rt, req, target.appId)) {
      // Traced as the client sent it: a trace never shows the salt.
      ex.useBody(await saltedBody(rt, target, await wholeBody(req, ex)));
    }
    const p = new AttemptPlan(rt, target.appId, target.project, clusters, req.headers, prompt?.hashes ?? null);
    tracked.plan = p;
    const managed = managedApp ? await managedStreamOf(rt, ex, req.headers.accept, req.headers['content-type']) : null;
    if (managed === null) {
      // This frame (its registers hold the prompt) ends here: the attempts end the exchange.
      startAttempts(rt, ex, tracked);
      return;
    }
    if (managed !== 'answered')
      await runManagedStream(rt, ex, p, managed, { deliver: (a, up) => deliverAsync(rt, ex, p, a, up) });
  } catch (err) {
    tracked.deliveryOver(false, err);
    return;
  }
  tracked.deliveryOver(true, null);
}

/**
 * The client's whole body: a declared length read with plain events (replica-prompt.ts), a chunked
 * one within the app's limit (its chunks traced as they come). A client that stops short or sends
 * too much gets its 400 or 413.
 */
async function wholeBody(req: ClientRequest, ex: HttpExchange): Promise<Buffer> {
  if (declaredLength(req.headers) !== null) {
    const bytes = await readDeclaredBody(req);
    ex.traceReceived(bytes);
    return bytes;
  }
  try {
    return await ex.readBody();
  } catch (err) {
    throw err instanceof ClientBodyError ? new ProxyError(err.code, err.status, err.message) : err;
  }
}

/**
 * The attempts' promise settles at the answer's head (or with the error sent), not at the
 * stream's end: a delivery that started ends the exchange itself, through `tracked`.
 */
function startAttempts(rt: ProxyRuntime, ex: HttpExchange, tracked: TrackedExchange): void {
  const plan = tracked.plan;
  if (plan === null) throw new Error('startAttempts without a plan');
  runAttempts(rt, ex, plan, tracked).then(
    (delivering) => {
      if (!delivering) tracked.deliveryOver(true, null);
    },
    (err: unknown) => tracked.deliveryOver(false, err),
  );
}

/** Only reading (and salting) a body the proxy holds whole throws: the client's fault, a 400 or 413. */
function exchangeFailed(ex: HttpExchange, err: unknown): void {
  if (!(err instanceof ProxyError)) throw err;
  if (!ex.clientGone) sendError(ex.res, err, 'stream' in ex.res ? {} : { connection: 'close' });
}

/**
 * The exchange as the drain sees it, and the end of its delivery (a class: no closures built per
 * request; one object where a held stream kept a chain of promises and their callbacks).
 */
class TrackedExchange implements Tracked, DeliveryEnd {
  readonly kind = 'http';
  plan: AttemptPlan | null = null;
  private done: ForwardDone | null;

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly ex: HttpExchange,
    done: ForwardDone,
  ) {
    this.done = done;
  }

  close(): void | Promise<void> {
    const ex = this.ex;
    return handOffOrAbort(this.rt, ex.res, ex.eventStream, ex.target, () => ex.abort());
  }

  cutUnanswered(atDeadline: boolean): boolean {
    return drainCut(this.rt, this.ex, atDeadline);
  }

  /** The exchange is over (once): a ProxyError escaping it is answered, anything else goes up. */
  deliveryOver(ok: boolean, err: unknown): void {
    const done = this.done;
    if (done === null) return;
    this.done = null;
    let failed = false;
    let failure: unknown = null;
    try {
      if (!ok) exchangeFailed(this.ex, err);
    } catch (e) {
      failed = true;
      failure = e;
    }
    try {
      this.plan?.finish();
    } catch (e) {
      if (!failed) failure = e;
      failed = true;
    }
    this.rt.inFlight.delete(this);
    this.rt.metrics.httpInFlight.n -= 1;
    done.forwardOver(failed, failure);
  }
}

/**
 * Drain: answer an exchange that has no answer head yet with 503 and cut its upstream. Never
 * dispatched → `draining` (not-started). Dispatched → `draining-cut` (may have started), and at
 * the start grace only when idempotent: a POST the replica is running (a non-streaming
 * generation sends nothing until it is done) runs on to the deadline.
 */
function drainCut(rt: ProxyRuntime, ex: HttpExchange, atDeadline: boolean): boolean {
  if (ex.res.headersSent) return false;
  if (ex.dispatched && !atDeadline && !IDEMPOTENT.has(ex.method)) return false;
  const err = ex.dispatched ? drainCutError(rt, ex.target) : drainingError(rt, ex.target);
  sendError(ex.res, err, 'stream' in ex.res ? {} : { connection: 'close' });
  ex.abort();
  return true;
}

/**
 * The attempt loop: each attempt ends in a streamed answer, a retry, or an error to the client.
 * True when a delivery started: it tells `end` when the stream is over.
 */
async function runAttempts(rt: ProxyRuntime, ex: HttpExchange, plan: AttemptPlan, end: DeliveryEnd): Promise<boolean> {
  let a = plan.next();
  while (a !== null) {
    const result = await ex.call(a);
    // The client left, or a drain already answered it: nothing more to send or retry.
    if (ex.clientGone || ex.abortSwitch.aborted) {
      if (result.ok) result.up.abort(new Error('client gone'));
      a.release();
      return false;
    }
    const fault = result.ok ? faultForStatus(result.up.statusCode) : result.fault;
    if (fault === null) plan.succeeded(a);
    else plan.failed(a, fault);
    if (!result.ok) ex.recordFailure(a, result.fault);
    const next = fault === null ? null : nextAttempt(rt, ex, plan, fault);
    if (next !== null) {
      if (result.ok) discard(rt, ex, a, result.up);
      a.release();
      rt.metrics.retries.inc({ reason: fault?.code ?? 'unknown' });
      a = next;
      continue;
    }
    // Not awaited: this frame is not held suspended for the whole life of a stream.
    if (result.ok) {
      ex.lastAttemptDelivering();
      deliver(rt, ex, plan, a, result.up, end);
      return true;
    }
    a.release();
    sendError(ex.res, errorForFault(result.fault, a.clusterId, retryVerdict(rt, ex, result.fault)));
    return false;
  }
  const err = plan.refusal();
  rt.metrics.requests.inc({ cluster: 'none', status: String(err.status) });
  rt.logger.warn(
    {
      did: ex.decisionId,
      app: ex.target.appId,
      fn: ex.target.fn,
      method: ex.method,
      status: err.status,
      code: err.code,
      attempts: plan.attempts,
    },
    'request failed',
  );
  sendError(ex.res, err);
  return false;
}

/** May this fault be retried at all? Client faults never; otherwise only what cannot double-run. */
function retrySafe(ex: HttpExchange, fault: AttemptFault): boolean {
  // Out of open files (`local`): another replica of this process would fail alike.
  if (fault.blame === 'client' || fault.blame === 'local' || ex.bodyStarted) return false;
  // A reset or a 5xx may come after the replica started the work: only idempotent methods go again.
  return fault.beforeSend || IDEMPOTENT.has(ex.method);
}

/** The next attempt when a retry is safe, available and within budget; else null. */
function nextAttempt(
  rt: ProxyRuntime,
  ex: HttpExchange,
  plan: AttemptPlan,
  fault: AttemptFault,
): Attempt | null {
  if (!retrySafe(ex, fault)) return null;
  const next = plan.next();
  if (next === null) return null;
  if (rt.budget.tryRetry(ex.target.appId, rt.now())) return next;
  next.release();
  return null;
}

function retryVerdict(rt: ProxyRuntime, ex: HttpExchange, fault: AttemptFault): string {
  if (!retrySafe(ex, fault)) return 'not retried because the replica may have processed it';
  return 'no other replica or cluster could take it, or the retry budget is spent';
}

/** A replica's failing answer we retry elsewhere: dropped unread, but recorded as its outcome. */
function discard(rt: ProxyRuntime, ex: HttpExchange, a: Attempt, up: UpstreamResponse): void {
  up.abort(new Error('retried elsewhere'));
  rt.metrics.attemptsBatch.inc(a.clusterId, String(up.statusCode));
  const error = `replica answered ${up.statusCode}; retried elsewhere`;
  ex.recordAnswer(a, up.statusCode, rt.now() - a.startedAt, { bytesOut: 0, error, fault: null });
}

/** Told once when a delivery is over: `ok` false with what threw while recording it. */
interface DeliveryEnd {
  deliveryOver(ok: boolean, err: unknown): void;
}

/** Stream a replica's answer to the client, then record the outcome and tell `end`. */
function deliver(
  rt: ProxyRuntime,
  ex: HttpExchange,
  plan: AttemptPlan,
  a: Attempt,
  up: UpstreamResponse,
  end: DeliveryEnd,
): void {
  rt.metrics.attemptsBatch.inc(a.clusterId, String(up.statusCode));
  ex.eventStream = String(up.headers['content-type'] ?? '').toLowerCase().includes('text/event-stream');
  recordJobPin(rt, ex.target, a, up.statusCode);
  // GenAI metrics (TTFT, tokens, stream ends) and the attempt span's GenAI attributes; null
  // (no wrapper at all) for an answer none of them would be recorded about.
  const watch = watchDelivery(rt, ex, a, up);
  const seen = watch ?? up;
  const delivery = new Delivery(rt, ex, plan, a, up.statusCode, watch, end);
  // A streamed answer's first byte is its first body chunk: an engine sends the head before the
  // prefill (as managed streams measure it, continuation-session.ts), so the head's time would
  // make a slow prefill look fast to the slowness term, the canary gates and the latency reports.
  if (watch?.streaming === true) watch.onFirstChunk(delivery);
  else delivery.firstChunk(rt.now());
  try {
    streamResponse(rt, ex.res, ex.target.tokenMeter?.wrap(seen) ?? seen, a.clusterId, ex.target.appId, ex.abortSwitch, delivery);
  } catch (err) {
    a.release();
    throw err;
  }
}

/** deliver as a promise, for the managed stream's plain answers (continuation-session.ts). */
function deliverAsync(rt: ProxyRuntime, ex: HttpExchange, plan: AttemptPlan, a: Attempt, up: UpstreamResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    deliver(rt, ex, plan, a, up, { deliveryOver: (ok, err) => (ok ? resolve() : reject(err)) });
  });
}

/** What recording a delivered answer needs, kept by its StreamPump until the body is over. */
class Delivery implements StreamDone, FirstChunkListener {
  /** Dispatch to the first byte, ms (`firstChunk`); null until it arrived. */
  private ttfb: number | null = null;

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly ex: HttpExchange,
    private readonly plan: AttemptPlan,
    private readonly a: Attempt,
    private readonly status: number,
    private readonly watch: ReturnType<typeof watchDelivery>,
    private readonly end: DeliveryEnd,
  ) {}

  /** The answer's first byte (its head, or a stream's first body chunk): the latency reports. */
  firstChunk(at: number): void {
    const ttfb = at - this.a.startedAt;
    this.ttfb = ttfb;
    this.rt.latency.ttfb(this.a.clusterId, ttfb);
    this.rt.metrics.ttfb.observe({ cluster: this.a.clusterId }, ttfb / 1000);
  }

  streamed(result: StreamResult): void {
    let ok = true;
    let err: unknown = null;
    try {
      this.a.release();
      // A stream that ended with no body chunk: its first byte is its end, as for managed streams.
      // One cut or left first has no first byte: no TTFB (null), not the time to the cut, which
      // would be the window's least TTFB (`ttfbUnexplained`) and a fast sample to the gates.
      if (this.ttfb === null && result.error === null) this.firstChunk(this.rt.now());
      delivered(this.rt, this.ex, this.plan, this.a, this.status, this.ttfb, this.watch, result);
    } catch (e) {
      ok = false;
      err = e;
    }
    this.end.deliveryOver(ok, err);
  }
}

function delivered(
  rt: ProxyRuntime,
  ex: HttpExchange,
  plan: AttemptPlan,
  a: Attempt,
  status: number,
  ttfb: number | null,
  watch: ReturnType<typeof watchDelivery>,
  result: StreamResult,
): void {
  recordDelivery(watch, ex, a, result);
  if (result.fault !== null) plan.brokeMidBody(a, result.fault);
  rt.metrics.requestsBatch.inc(a.clusterId, String(status));
  ex.recordAnswer(a, status, ttfb, result);
}
