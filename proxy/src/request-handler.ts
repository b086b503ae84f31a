/**
 * The front door for every request and upgrade: the canonical path, draining
 * refusals, the token gate, the app's request rules (declared functions, body
 * limit), this process's in-flight budget and per-app limits, in that order,
 * before any upstream is contacted.
 * Carrying bytes is forward-http / forward-websocket. Metrics and health live
 * on the admin listener, never here.
 */
import { routeLimitKey } from '../../shared/routes/route-limits.ts';
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { AppRequestRules } from '../../shared/domain/types.ts';
import { functionAllowed } from '../../shared/http/function-allow-list.ts';
import { bodyTooLarge, declaredLength, limitUnknownLengthBody, refuseBody } from './body-limit.ts';
import { sendError, type ClientRequest, type ClientResponse } from './client-io.ts';
import { drainingError } from './drain-refusals.ts';
import { ProxyError } from './errors.ts';
import { forwardHttp, forwardTo, type ForwardDone } from './forward-http.ts';
import type { LimitCharge, LimitVerdict } from './app-limits.ts';
import { overBudget, type BudgetHold } from './in-flight-budget.ts';
import { bufferedBodyBytes } from './body-buffers.ts';
import { readsPrompt } from './replica-prompt.ts';
import { saltsPromptCache } from './prompt-cache-isolation.ts';
import { meterRequest, requestBudgets, type TokenMeter } from './token-budgets.ts';
import { IN_REGION_ISSUER } from './in-region-gate.ts';
import { asyncUnavailable, badAsyncHeader, handleJobRoute, isJobRoute, submitJob, wantsAsync } from './async-job-routes.ts';
import { jobKeyOf } from './job-pins.ts';
import { forwardWebSocket, refuseUpgrade } from './forward-websocket.ts';
import { guardRawSocket } from './raw-socket-guard.ts';
import { malformedHttp1Head } from './http1-head-rules.ts';
import { unspokenUpgradeRefusal } from './unspoken-upgrade.ts';
import { forwardH2WebSocket } from './ws-h2.ts';
import { parseRequestTarget, type RequestTarget } from './request-target.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { WebSocketServers } from './ws-servers.ts';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import { asksForWebSocket, STRIP_CREDENTIALS, type RequestHeaderPolicy } from '../../shared/http/header-rules.ts';
import { admissionFacts, traceNow } from './tracing.ts';
import type { GateResult } from './token-gate.ts';
import type { RequestTrace } from './tracing-request.ts';

const FORWARD_CREDENTIALS: RequestHeaderPolicy = Object.freeze({ forwardCredentials: true });

type Admitted =
  | { ok: true; claims: RoutingClaims; target: RequestTarget; rules: AppRequestRules; release: () => void }
  // `claims` when the token verified before the refusal: the trace may then trust its context.
  | { ok: false; error: ProxyError; claims?: RoutingClaims };

/** The app's rules that need no upstream: declared functions, GET/HEAD without body, body size. */
function checkRules(req: ClientRequest | IncomingMessage, target: RequestTarget, rules: AppRequestRules): ProxyError | null {
  if (!functionAllowed(rules.functions, target.fn)) {
    return new ProxyError('unknown-function', 404, `${target.appId} does not expose "${target.fn}"`);
  }
  const length = declaredLength(req.headers);
  const method = req.method ?? 'GET';
  if ((method === 'GET' || method === 'HEAD') && ((length ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined)) {
    return new ProxyError('body-not-allowed', 400, `a ${method} request cannot carry a body`);
  }
  if (length !== null && length > rules.maxBodyBytes) return bodyTooLarge(target.appId, rules.maxBodyBytes, length);
  return null;
}

/**
 * The connection a request came on: its HTTP/2 session (the compat request's `socket` is a new
 * proxy object per stream), else its socket.
 */
function connectionOf(req: ClientRequest | IncomingMessage): object {
  return (req as { stream?: { session?: object } }).stream?.session ?? req.socket;
}

/** 404 for a path outside /v4/; an operator's `/_switchyard/…` is told where those are served. */
function notAnAppPath(url: string): ProxyError {
  if (url.startsWith('/_switchyard/'))
    return new ProxyError('not-found', 404, 'metrics and health are served on the admin listener (PROXY_ADMIN_HOST, PROXY_ADMIN_PORT), never on the traffic port');
  return new ProxyError('not-found', 404, 'not an app path: expected /v4/<project>/<app>/<function>');
}

/**
 * Admission without a promise when nothing had to be awaited (the usual case: auth disabled, a
 * token verified before, limits decided in this process): no async frame, no microtask turn.
 */
function admit(rt: ProxyRuntime, req: ClientRequest | IncomingMessage): Admitted | Promise<Admitted> {
  const parsed = parseRequestTarget(req.url ?? '/');
  if (!parsed.ok) {
    return {
      ok: false,
      error:
        parsed.code === 'bad-path'
          ? new ProxyError('bad-path', 400, `not a canonical app path: ${parsed.reason}`)
          : notAnAppPath(req.url ?? '/'),
    };
  }
  const target = parsed.target;
  if (rt.draining) return { ok: false, error: drainingError(rt, target, asksForWebSocket(req.headers.upgrade, req.headers[':protocol'])) };
  const gate = rt.gate.check(req.headers, target, rt.now(), req.method, req.socket.remoteAddress, connectionOf(req));
  return gate instanceof Promise ? gate.then((g) => afterGate(rt, req, target, g)) : afterGate(rt, req, target, gate);
}

function afterGate(rt: ProxyRuntime, req: ClientRequest | IncomingMessage, target: RequestTarget, gate: GateResult): Admitted | Promise<Admitted> {
  if (!gate.ok) return gate;
  // Its connection carried a verified request: no longer counted against its address (connection-limits.ts).
  rt.connectionLimits?.proven(connectionOf(req));
  // A drain may have begun while the token was verified: start no new upstream work.
  if (rt.draining) return { ok: false, error: drainingError(rt, target, asksForWebSocket(req.headers.upgrade, req.headers[':protocol'])), claims: gate.claims };
  const rules = rt.registry.routing(target.appId).requests;
  const broken = checkRules(req, target, rules);
  if (broken !== null) return { ok: false, error: broken, claims: gate.claims };
  const job = jobKeyOf(req.headers, target.appId, rules.jobKeyHeader);
  if (!job.ok) return { ...job, claims: gate.claims };
  const claims = gate.claims;
  // An in-region caller's Authorization holds its Switchyard key: never forwarded.
  // One of two shared policies, not an object per request kept for a held stream's life.
  const policy = rules.forwardAuthorization && claims.iss !== IN_REGION_ISSUER ? FORWARD_CREDENTIALS : STRIP_CREDENTIALS;
  const admitted: Omit<Extract<Admitted, { ok: true }>, 'release'> = { ok: true, claims, target: admittedTarget(target, policy, job.hash), rules };
  const charge = limitCharge(rt, req, target);
  // This process's budget first (local, synchronous): a refusal then takes no limit slot. A job's
  // submission holds nothing (its run comes back through here with its own unit).
  const hold = charge === 'rate-only' ? null : rt.inFlightBudget.acquire(target.project, target.appId);
  if (typeof hold === 'string') {
    // The project is the tenant whose share was spent: the operator sees who (a full proxy blames nobody).
    rt.metrics.inFlightBudgetRefusals.inc({ reason: hold, project: hold === 'full' ? '' : target.project });
    return { ok: false, error: overBudget(target.project, target.appId, hold), claims };
  }
  const limit = acquireLimits(rt, target.appId, claims.rt, charge);
  if (!(limit instanceof Promise)) return afterLimits(admitted, limit, hold);
  return limit.then(
    (l) => afterLimits(admitted, l, hold),
    (err: unknown) => {
      hold?.free();
      throw err;
    },
  );
}

/**
 * The admitted target as one literal, not a spread plus two fields: the spread copy got a hidden
 * class (map + descriptor array, ~200 B) of its own per request, which a held stream keeps for its
 * whole life (bench/proxy-stream-memory.ts; the admission record below had the same).
 */
function admittedTarget(t: RequestTarget, headerPolicy: RequestHeaderPolicy, jobKeyHash: string | null): RequestTarget {
  return { project: t.project, app: t.app, appId: t.appId, fn: t.fn, upstreamPath: t.upstreamPath, queryToken: t.queryToken, headerPolicy, jobKeyHash };
}

/** The release frees the budget unit and the limits' slot together, once (in-flight-budget.ts `BudgetHold`). */
function afterLimits(admitted: Omit<Extract<Admitted, { ok: true }>, 'release'>, limit: Limited, hold: BudgetHold | null): Admitted {
  if (!limit.ok) {
    hold?.free();
    return { ok: false, claims: admitted.claims, error: limit.error };
  }
  const release = hold === null ? limit.release : hold.alongWith(limit.release);
  return { ok: true, claims: admitted.claims, target: admitted.target, rules: admitted.rules, release };
}

/** Async jobs queue past the concurrency limit and run within it (app-limits.ts). */
function limitCharge(rt: ProxyRuntime, req: ClientRequest | IncomingMessage, target: RequestTarget): LimitCharge {
  if (rt.jobs === null) return 'both';
  if (rt.jobs.runnerClaims(req.headers) !== null) return 'slot-only';
  return wantsAsync(req, target) ? 'rate-only' : 'both';
}

/**
 * The app's limits, then (when the edge's token names a route that declares limits) the route's,
 * through the same limiter and leases under the key `app#route`; a refusal by the route gives
 * back the app's slot. Both answer 429 with Retry-After.
 */
function acquireLimits(rt: ProxyRuntime, appId: string, route: string | undefined, charge: LimitCharge): Limited | Promise<Limited> {
  // One process answers synchronously (no closure, no microtask); a cluster worker asks its
  // primary (cluster-limits.ts).
  const app = rt.limiter.acquire(appId, rt.now(), charge);
  return app instanceof Promise ? app.then((v) => afterAppLimit(rt, v, appId, route, charge)) : afterAppLimit(rt, app, appId, route, charge);
}

type Limited = { ok: true; release: () => void } | { ok: false; error: ProxyError };

function afterAppLimit(rt: ProxyRuntime, app: LimitVerdict, appId: string, route: string | undefined, charge: LimitCharge): Limited | Promise<Limited> {
  if (!app.ok) return { ok: false, error: overLimit(appId, app.code, app.retryAfterS) };
  if (route === undefined || !rt.registry.hasRouteLimits(appId, route)) return app;
  const routed = rt.limiter.acquire(routeLimitKey(appId, route), rt.now(), charge);
  return routed instanceof Promise ? routed.then((v) => afterRouteLimit(app, v, appId, route)) : afterRouteLimit(app, routed, appId, route);
}

function afterRouteLimit(app: { release: () => void }, routed: LimitVerdict, appId: string, route: string): Limited {
  if (!routed.ok) {
    app.release();
    return { ok: false, error: overLimit(`${appId} route ${route}`, routed.code, routed.retryAfterS) };
  }
  return { ok: true, release: () => { routed.release(); app.release(); } };
}

function overLimit(what: string, code: 'rate-limited' | 'concurrency-limited', retryAfterS: number): ProxyError {
  const limit = code === 'rate-limited' ? 'requests per second' : 'concurrent requests';
  return new ProxyError(code, 429, `${what} is over its ${limit} limit (shared by the proxies of its limits scope); retry after ${retryAfterS}s`, false, retryAfterS);
}

/**
 * Not async, and no promise on the usual path: an admission decided without waiting leads straight
 * to the forward, which tells an `AdmissionEnd` when the exchange is over; a held stream keeps no
 * frame, promise or callback of this function for its life. What escapes is logged here.
 */
export function handleRequest(rt: ProxyRuntime, req: ClientRequest, res: ClientResponse): void {
  try {
    const bad = 'stream' in req ? null : malformedHttp1Head(req);
    if (bad !== null) return refuseMalformed(rt, req, res, bad);
    if (isJobRoute(req.url)) return settle(rt, res, handleJobRoute(rt.jobRoutes, req, res, (err) => refusalNoted(rt, req, err)));
    const t0 = rt.tracing === null ? 0 : traceNow();
    const pending = admit(rt, req);
    if (pending instanceof Promise) settle(rt, res, pending.then((a) => handleAdmitted(rt, req, res, t0, a)));
    else settle(rt, res, handleAdmitted(rt, req, res, t0, pending));
  } catch (err) {
    requestFailed(rt, res, err);
  }
}

/** Not valid HTTP/1 (http1-head-rules.ts): refused before anything reads it, the connection closed after. */
function refuseMalformed(rt: ProxyRuntime, req: ClientRequest, res: ClientResponse, err: ProxyError): void {
  refusalNoted(rt, req, err);
  sendError(res, err, { connection: 'close' });
}

/** A refusal answered outside the forwarding path (a malformed head, a job route): counted and logged. */
function refusalNoted(rt: ProxyRuntime, req: ClientRequest, err: ProxyError): void {
  rt.metrics.refusals.inc({ code: err.code });
  rt.logger.info({ method: req.method, status: err.status, code: err.code, client: req.socket?.remoteAddress }, 'refused');
}

/** A submit's libSQL call failed: counted as a refusal, logged with libSQL's error; no replica or cluster is blamed. */
function jobStoreFailed(rt: ProxyRuntime, req: ClientRequest, err: ProxyError, cause: unknown): void {
  rt.metrics.refusals.inc({ code: err.code });
  rt.logger.warn({ err: cause, method: req.method, status: err.status, code: err.code }, err.message);
}

function settle(rt: ProxyRuntime, res: ClientResponse, pending: Promise<void> | void): void {
  if (pending instanceof Promise) pending.catch((err: unknown) => requestFailed(rt, res, err));
}

/** A bug escaped the request's own error handling: logged, and a bare 500 when nothing was sent. */
function requestFailed(rt: ProxyRuntime, res: ClientResponse, err: unknown): void {
  rt.logger.error({ err }, 'request handler failed');
  if (!res.headersSent) res.writeHead(500).end();
}

/** The admission's end of a forwarded exchange: its limit slot back, its span ended. */
class AdmissionEnd implements ForwardDone {
  constructor(
    private readonly rt: ProxyRuntime,
    private readonly res: ClientResponse,
    private readonly release: () => void,
    private readonly trace: RequestTrace | null,
  ) {}

  forwardOver(failed: boolean, err: unknown): void {
    try {
      exchangeEnded(this.release, this.trace, this.res);
    } catch (e) {
      if (!failed) requestFailed(this.rt, this.res, e);
    }
    if (failed) requestFailed(this.rt, this.res, err);
  }
}

/**
 * A request asking to run as a job on a proxy that holds none is refused, not run at once; so is
 * an `x-switchyard-async` value that says neither yes nor no.
 */
function withJobStore(rt: ProxyRuntime, req: ClientRequest, admitted: Admitted): Admitted {
  if (!admitted.ok) return admitted;
  const refusal = badAsyncHeader(req) ?? (rt.jobs === null && wantsAsync(req, admitted.target) ? asyncUnavailable(true) : null);
  if (refusal === null) return admitted;
  admitted.release();
  return { ok: false, error: refusal, claims: admitted.claims };
}

function handleAdmitted(rt: ProxyRuntime, req: ClientRequest, res: ClientResponse, t0: number, given: Admitted): Promise<void> | void {
  const admitted = withBodyHold(rt, req, withJobStore(rt, req, given));
  // Null unless tracing is on and this request sampled; a refusal's spans end right here.
  const trace = rt.tracing === null ? null : rt.tracing.request(req, t0, admissionFacts(req, admitted));
  if (!admitted.ok) {
    rt.metrics.refusals.inc({ code: admitted.error.code });
    rt.logger.info({ method: req.method, status: admitted.error.status, code: admitted.error.code }, 'refused');
    const body = refuseBody(req, res);
    sendError(res, admitted.error, rt.draining && req.httpVersionMajor === 1 ? { connection: 'close' } : body.headers);
    body.afterResponse();
    return;
  }
  if (rt.jobs !== null && wantsAsync(req, admitted.target)) return submitAdmitted(rt, rt.jobs, req, res, admitted, trace);
  limitUnknownLengthBody(req, res, admitted.target.appId, admitted.rules.maxBodyBytes);
  const budgets = requestBudgets(rt.registry, admitted.target.appId);
  // Only an app with a token budget (its own or its project's) pays for reading its body here (token-budgets.ts).
  if (budgets.app !== null || budgets.project !== null) return meteredForward(rt, req, res, admitted, trace, budgets);
  forwardTo(rt, req, res, admitted.claims, admitted.target, trace, new AdmissionEnd(rt, res, admitted.release, trace));
}

type AdmittedOk = Extract<Admitted, { ok: true }>;

/**
 * A request whose body the proxy will hold whole takes its bytes from the process's body memory
 * (body-buffers.ts) before any is read, given back with the admission's release; past its
 * project's share it is refused like any admission (the in-flight unit and limit slot freed).
 */
function withBodyHold(rt: ProxyRuntime, req: ClientRequest, admitted: Admitted): Admitted {
  if (!admitted.ok) return admitted;
  const appId = admitted.target.appId;
  const streams = admitted.rules.streams;
  const bytes = bufferedBodyBytes(req, {
    asyncJob: rt.jobs !== null && wantsAsync(req, admitted.target),
    budgeted: () => {
      const budgets = requestBudgets(rt.registry, appId);
      return budgets.app !== null || budgets.project !== null;
    },
    readsPrompt: () => readsPrompt(rt, req, appId),
    saltsPrompt: () => saltsPromptCache(rt, req, appId),
    managedStreams: streams.heartbeats || streams.continuation,
    maxBodyBytes: admitted.rules.maxBodyBytes,
  });
  if (bytes === 0) return admitted;
  const hold = rt.bodyBuffers.hold(admitted.target.project, appId, bytes);
  if (hold instanceof ProxyError) {
    admitted.release();
    return { ok: false, error: hold, claims: admitted.claims };
  }
  const release = admitted.release;
  return { ok: true, claims: admitted.claims, target: admitted.target, rules: admitted.rules, release: () => (hold(), release()) };
}

async function submitAdmitted(rt: ProxyRuntime, jobs: NonNullable<ProxyRuntime['jobs']>, req: ClientRequest, res: ClientResponse, admitted: AdmittedOk, trace: RequestTrace | null): Promise<void> {
  // The job re-enters through the front door when it runs (its own slot then): free this one now.
  try {
    await submitJob(jobs, req, res, admitted.target, admitted.claims, admitted.rules.maxBodyBytes, (err, cause) => jobStoreFailed(rt, req, err, cause));
  } finally {
    admitted.release();
    trace?.end(res.statusCode);
  }
}

async function meteredForward(
  rt: ProxyRuntime,
  req: ClientRequest,
  res: ClientResponse,
  admitted: AdmittedOk,
  trace: RequestTrace | null,
  budgets: ReturnType<typeof requestBudgets>,
): Promise<void> {
  let meter: TokenMeter | 'pass' | 'answered' = 'pass';
  try {
    meter = await meterRequest(rt, req, res, admitted.target, budgets, trace);
    if (meter === 'pass') await forwardHttp(rt, req, res, admitted.claims, admitted.target, trace);
    else if (meter !== 'answered') await forwardHttp(rt, req, res, admitted.claims, { ...admitted.target, tokenMeter: meter }, trace);
  } finally {
    if (typeof meter === 'object') meter.settle();
    admitted.release();
    trace?.end(res.statusCode);
  }
}

function exchangeEnded(release: () => void, trace: RequestTrace | null, res: ClientResponse): void {
  release();
  trace?.end(res.statusCode);
}

export async function handleUpgrade(
  rt: ProxyRuntime,
  wss: WebSocketServers,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  guardRawSocket(socket);
  const bad = malformedHttp1Head(req);
  if (bad !== null) {
    rt.metrics.refusals.inc({ code: bad.code });
    refuseUpgrade(socket, bad);
    return;
  }
  if (!asksForWebSocket(req.headers.upgrade)) {
    // An offer the listener could not serve over HTTP/1.1 (unspoken-upgrade.ts): a body, or other
    // requests before or after it on the connection.
    const err = unspokenUpgradeRefusal(req);
    rt.metrics.refusals.inc({ code: err.code });
    refuseUpgrade(socket, err);
    return;
  }
  const t0 = rt.tracing === null ? 0 : traceNow();
  const admitted = await admit(rt, req);
  // Sampled: a server span for the whole session (a refusal's ends right here).
  const trace = rt.tracing === null ? null : rt.tracing.request(req, t0, admissionFacts(req, admitted));
  if (!admitted.ok) {
    rt.metrics.refusals.inc({ code: admitted.error.code });
    refuseUpgrade(socket, admitted.error);
    return;
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    admitted.release();
  };
  socket.once('close', release);
  // The client may have gone while its token was checked: 'close' has fired already.
  if (socket.destroyed) {
    trace?.end(499, 'client-closed');
    return release();
  }
  try {
    await forwardWebSocket(rt, wss, req, socket, head, admitted.claims, admitted.target, trace);
  } catch (err) {
    release();
    const error = unexpectedUpgradeFailure(rt, admitted.target.appId, err);
    trace?.end(error.status, error.code);
    refuseUpgrade(socket, error);
  }
}

/**
 * A WebSocket forward that threw unexpectedly: the cause is logged, never sent (its text can name
 * a replica's address or a file); the client gets a 502 it may retry elsewhere.
 */
function unexpectedUpgradeFailure(rt: ProxyRuntime, appId: string, err: unknown): ProxyError {
  rt.logger.warn({ err, app: appId }, 'a WebSocket forward failed unexpectedly');
  return new ProxyError('upstream-error', 502, `the WebSocket of ${appId} could not be forwarded; retry`, true);
}

/** An HTTP/2 extended CONNECT (RFC 8441): the same admission as an HTTP/1.1 upgrade (ws-h2.ts). */
export async function handleH2Connect(rt: ProxyRuntime, req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
  const unsupported = req.headers[':protocol'] === undefined ? new ProxyError('client-unsupported', 405, 'CONNECT is not proxied; only extended CONNECT with :protocol websocket') : null;
  const t0 = rt.tracing === null ? 0 : traceNow();
  const admitted = unsupported === null ? await admit(rt, req) : { ok: false as const, error: unsupported };
  const trace = rt.tracing === null ? null : rt.tracing.request(req, t0, admissionFacts(req, admitted));
  if (!admitted.ok) {
    rt.metrics.refusals.inc({ code: admitted.error.code });
    sendError(res, admitted.error);
    return;
  }
  res.stream.once('close', admitted.release);
  // A stream reset while its token was checked has closed already: free its slot now.
  if (res.stream.closed || res.stream.destroyed) {
    trace?.end(499, 'client-closed');
    admitted.release();
    return;
  }
  await forwardH2WebSocket(rt, req, res, admitted.claims, admitted.target, trace).catch((err: unknown) => {
    const error = unexpectedUpgradeFailure(rt, admitted.target.appId, err);
    trace?.end(error.status, error.code);
    sendError(res, error);
  });
}
