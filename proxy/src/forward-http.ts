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
import { handOffOrAbort } from './drain-handoff.ts';
import { drainCutError, drainingError } from './drain-refusals.ts';
import { ProxyError, errorForFault, faultForStatus, type AttemptFault } from './errors.ts';
import { readPromptBody, readsPrompt } from './replica-prompt.ts';
import { upstreamRequestHeaders } from './headers.ts';
import { spanId, traceId } from './random-ids.ts';
import { HttpExchange } from './http-exchange.ts';
import { managedStreamOf, runManagedStream } from './continuation-session.ts';
import { recordJobPin } from './job-pins.ts';
import type { RequestTarget } from './request-target.ts';
import { streamResponse, type StreamResult } from './stream-response.ts';
import type { UpstreamResponse } from './upstream-call.ts';
import type { ProxyRuntime, Tracked } from './runtime.ts';
import { recordDelivery, watchDelivery } from './tracing-genai-watch.ts';
import type { RequestTrace } from './tracing-request.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * Proxy one exchange whose token passed the gate. Never rejects (but for a bug); always ends `res`.
 * Not async: an exchange with nothing to read or decide before its first attempt (the usual case)
 * gets no async frame of its own, which a held stream would keep suspended for its whole life.
 */
export function forwardHttp(
  rt: ProxyRuntime,
  req: ClientRequest,
  res: ClientResponse,
  claims: RoutingClaims,
  target: RequestTarget,
  trace: RequestTrace | null = null,
): Promise<void> {
  const headers = upstreamRequestHeaders(req.headers, {
    policy: target.headerPolicy, // credentials only for apps that forward them
    clientIp: req.socket?.remoteAddress ?? 'unknown',
    proto: clientProto(req),
    host: clientHost(req),
    traceId,
    spanId,
  });
  // The proxy answers `Expect: 100-continue` itself (Node sends the 100 before the body is read);
  // undici refuses the header, and the replica has nothing left to decide about it.
  delete headers['expect'];
  const ex = new HttpExchange(rt, req, res, claims, target, headers);
  ex.trace = trace;
  const tracked = new TrackedExchange(rt, ex);
  rt.inFlight.add(tracked);
  rt.metrics.httpInFlight.n += 1;
  rt.budget.request(ex.start);
  // Apps that opt in to heartbeats / continuation get their streams managed (issue 14), and a
  // budgeted or inference-aware app's body is read first: those go through the async path.
  const streams = rt.registry.routing(target.appId).requests.streams;
  if (target.tokenMeter !== undefined || streams.heartbeats || streams.continuation || readsPrompt(rt, req, target.appId))
    return forwardPrepared(rt, req, ex, tracked, streams.heartbeats || streams.continuation);
  const plan = new AttemptPlan(rt, target.appId, clustersOf(claims), req.headers, null);
  return afterAttempts(runAttempts(rt, ex, plan), rt, ex, tracked, plan);
}

/** forwardHttp's path when the body is read or the stream is managed before the first attempt. */
async function forwardPrepared(rt: ProxyRuntime, req: ClientRequest, ex: HttpExchange, tracked: TrackedExchange, managedApp: boolean): Promise<void> {
  const target = ex.target;
  let plan: AttemptPlan | null = null;
  let plain: Promise<void> | null = null;
  try {
    // A budgeted app's body was read (and maybe rewritten) at admission (token-budgets.ts).
    const prompt = target.tokenMeter?.body ?? (readsPrompt(rt, req, target.appId) ? await readPromptBody(rt, req) : null);
    if (prompt !== null) ex.useBody(prompt.bytes);
    const p = new AttemptPlan(rt, target.appId, clustersOf(ex.claims), req.headers, prompt?.hashes ?? null);
    plan = p;
    const managed = managedApp ? await managedStreamOf(rt, ex, req.headers.accept, req.headers['content-type']) : null;
    if (managed === null) plain = runAttempts(rt, ex, p);
    else if (managed !== 'answered')
      await runManagedStream(rt, ex, p, managed, { deliver: (a, up) => deliver(rt, ex, p, a, up) });
  } catch (err) {
    exchangeFailed(ex, err);
  } finally {
    if (plain === null) exchangeOver(rt, tracked, plan);
  }
  if (plain === null || plan === null) return;
  // Not awaited: this frame (its registers hold the prompt and the plan) is not kept suspended for
  // the life of a held stream.
  return afterAttempts(plain, rt, ex, tracked, plan);
}

/** The exchange's end, after its attempts and delivery: two callbacks with a small context. */
function afterAttempts(attempts: Promise<void>, rt: ProxyRuntime, ex: HttpExchange, tracked: TrackedExchange, plan: AttemptPlan): Promise<void> {
  return attempts.then(
    () => exchangeOver(rt, tracked, plan),
    (err: unknown) => {
      try {
        exchangeFailed(ex, err);
      } finally {
        exchangeOver(rt, tracked, plan);
      }
    },
  );
}

/** Only reading an inference-aware app's body throws: the client's fault, a 400. */
function exchangeFailed(ex: HttpExchange, err: unknown): void {
  if (!(err instanceof ProxyError)) throw err;
  if (!ex.clientGone) sendError(ex.res, err, 'stream' in ex.res ? {} : { connection: 'close' });
}

function exchangeOver(rt: ProxyRuntime, tracked: TrackedExchange, plan: AttemptPlan | null): void {
  plan?.finish();
  rt.inFlight.delete(tracked);
  rt.metrics.httpInFlight.n -= 1;
}

/** The exchange as the drain sees it (a class: no closures built per request). */
class TrackedExchange implements Tracked {
  readonly kind = 'http';

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly ex: HttpExchange,
  ) {}

  close(): void | Promise<void> {
    const ex = this.ex;
    return handOffOrAbort(this.rt, ex.res, ex.eventStream, ex.target, () => ex.abort());
  }

  cutUnanswered(atDeadline: boolean): boolean {
    return drainCut(this.rt, this.ex, atDeadline);
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

/** The attempt loop: each attempt ends in a streamed answer, a retry, or an error to the client. */
async function runAttempts(rt: ProxyRuntime, ex: HttpExchange, plan: AttemptPlan): Promise<void> {
  let a = plan.next();
  while (a !== null) {
    const result = await ex.call(a);
    // The client left, or a drain already answered it: nothing more to send or retry.
    if (ex.clientGone || ex.abortSwitch.aborted) {
      if (result.ok) result.up.abort(new Error('client gone'));
      a.release();
      return;
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
    // Returned, not awaited: this frame is not held suspended for the whole life of a stream.
    if (result.ok) {
      ex.lastAttemptDelivering();
      return deliver(rt, ex, plan, a, result.up);
    }
    a.release();
    sendError(ex.res, errorForFault(result.fault, a.clusterId, retryVerdict(rt, ex, result.fault)));
    return;
  }
  const err = plan.refusal();
  rt.metrics.requests.inc({ cluster: 'none', status: String(err.status) });
  rt.logger.warn(
    {
      did: ex.claims.did,
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
}

/** May this fault be retried at all? Client faults never; otherwise only what cannot double-run. */
function retrySafe(ex: HttpExchange, fault: AttemptFault): boolean {
  if (fault.blame === 'client' || ex.bodyStarted) return false;
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
  if (rt.budget.tryRetry(rt.now())) return next;
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

/** Stream a replica's answer to the client, then record the outcome. */
function deliver(
  rt: ProxyRuntime,
  ex: HttpExchange,
  plan: AttemptPlan,
  a: Attempt,
  up: UpstreamResponse,
): Promise<void> {
  const ttfb = rt.now() - a.startedAt;
  rt.latency.ttfb(a.clusterId, ttfb);
  rt.metrics.ttfb.observe({ cluster: a.clusterId }, ttfb / 1000);
  rt.metrics.attemptsBatch.inc(a.clusterId, String(up.statusCode));
  ex.eventStream = String(up.headers['content-type'] ?? '').toLowerCase().includes('text/event-stream');
  recordJobPin(rt, ex.target, a, up.statusCode);
  // GenAI metrics (TTFT, tokens, stream ends) and the attempt span's GenAI attributes; null
  // (no wrapper at all) for an answer none of them would be recorded about.
  const watch = watchDelivery(rt, ex, a, up);
  const seen = watch ?? up;
  let streamed: Promise<StreamResult>;
  try {
    streamed = streamResponse(rt, ex.res, ex.target.tokenMeter?.wrap(seen) ?? seen, a.clusterId, ex.abortSwitch);
  } catch (err) {
    a.release();
    throw err;
  }
  // A callback, not an async frame kept suspended for the stream's whole life.
  const status = up.statusCode;
  return streamed.then(
    (result) => {
      a.release();
      delivered(rt, ex, plan, a, status, ttfb, watch, result);
    },
    (err: unknown) => {
      a.release();
      throw err;
    },
  );
}

function delivered(
  rt: ProxyRuntime,
  ex: HttpExchange,
  plan: AttemptPlan,
  a: Attempt,
  status: number,
  ttfb: number,
  watch: ReturnType<typeof watchDelivery>,
  result: StreamResult,
): void {
  recordDelivery(watch, ex, a, result);
  if (result.fault !== null) plan.brokeMidBody(a, result.fault);
  rt.metrics.requestsBatch.inc(a.clusterId, String(status));
  ex.recordAnswer(a, status, ttfb, result);
}
