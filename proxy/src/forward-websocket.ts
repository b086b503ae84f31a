/**
 * WebSocket upgrades (HTTP/1.1): the upstream handshake is completed first,
 * through the same attempt planner as HTTP (token's cluster, then fallbacks,
 * replica faults counted, client faults never), and only then is the client's
 * upgrade accepted with the subprotocol the replica chose. Messages are
 * relayed with `ws` (not raw bytes) so drain can close the client cleanly with
 * 1012 service-restart and a reconnect reason (drain-handoff.ts). No idle or duration limit; ws answers pings itself.
 * The replica's side is paused from its handshake until the bridge listens, so a greeting it
 * sends at once (Realtime `session.created`) is relayed, not dropped.
 */
import type { RequestTrace } from './tracing-request.ts';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { type RawData, type WebSocketServer } from 'ws';
import type { WebSocketServers } from './ws-servers.ts';
import { CLIENT_CLOSED } from '../../shared/http/client-ended.ts';
import { dropReplicaResponseHeader } from '../../shared/http/header-rules.ts';
import { scopeReplicaHeader } from '../../shared/http/replica-cookies.ts';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import { AttemptPlan, clustersOf, type Attempt } from './attempt-plan.ts';
import {
  ProxyError,
  classifyUpstreamError,
  errorForFault,
  failedAttemptPlace,
  logProxyFault,
  namesUpstream,
  faultForStatus,
  type AttemptFault,
} from './errors.ts';
import { CLOSE_SERVICE_RESTART, closeReason } from './drain-handoff.ts';
import { drainRetryAfter } from './drain-refusals.ts';
import { clientHost, clientProto, type ClientRequest } from './client-io.ts';
import { upstreamRequestHeaders } from './headers.ts';
import { ttfbLimitMs } from './http-exchange.ts';
import { recordJobPin } from './job-pins.ts';
import { rawRefusal } from './refusal-response.ts';
import type { RequestTarget } from './request-target.ts';
import type { ProxyRuntime, Tracked } from './runtime.ts';
import { clientHandshakeError } from './ws-client-handshake.ts';
import { chargeHeldBytes } from './ws-held-bytes.ts';
import { parseSubprotocols } from './ws-subprotocols.ts';

/** Bytes queued toward one side before we stop reading the other. */
const HIGH_WATER = 1 << 20;

const WS_HEADERS = new Set([
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/** Refuse an upgrade on the raw socket (no HTTP response object exists yet). */
export function refuseUpgrade(socket: Duplex, err: ProxyError): void {
  // The client may have left while it was being admitted: nobody to tell, and writing after its
  // end would raise an error.
  if (socket.destroyed || socket.writableEnded) {
    socket.destroy();
    return;
  }
  socket.end(rawRefusal(err));
}

const NONE_LISTED: ReadonlySet<string> = new Set();

const PASS_BACK_SKIP = new Set([
  'connection',
  'upgrade',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'keep-alive',
  'transfer-encoding',
  'content-length',
]);

type Connected =
  | { readonly ok: true; readonly ws: WebSocket; readonly responseHeaders: string[] }
  | { readonly ok: false; readonly fault: AttemptFault };

/** One upstream handshake; every way it can fail comes back as a classified fault. */
function connectUpstream(
  url: string,
  protocols: readonly string[],
  headers: Record<string, string>,
  ttfbMs: number,
  maxPayload: number,
  appId: string,
): Promise<Connected> {
  return new Promise((resolve) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, [...protocols], {
        headers,
        perMessageDeflate: false,
        handshakeTimeout: ttfbMs,
        maxPayload,
      });
    } catch (err) {
      // `ws` validates what the client sent (subprotocols, header values) synchronously.
      resolve({ ok: false, fault: classifyUpstreamError(err) });
      return;
    }
    const responseHeaders: string[] = [];
    ws.once('upgrade', (res) => {
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined || PASS_BACK_SKIP.has(k) || dropReplicaResponseHeader(k, NONE_LISTED)) continue;
        // Its cookies stay on its app's path, as on any answer (shared/http/replica-cookies.ts).
        for (const one of scopeReplicaHeader(k, v, appId)) responseHeaders.push(`${k}: ${one}`);
      }
    });
    ws.once('open', () => {
      // Held until `bridge` listens: a message that came in the same read as the 101 (a
      // Realtime server's `session.created`, sent at once) is emitted in the next tick, before
      // the client's upgrade is complete, and would otherwise be dropped.
      ws.pause();
      resolve({ ok: true, ws, responseHeaders });
    });
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      const status = res.statusCode ?? 502;
      // A 5xx is the replica's failure; anything else is its answer to this request.
      const fault = faultForStatus(status) ?? {
        code: 'upstream-status',
        blame: 'client',
        beforeSend: false,
        status,
        detail: `replica refused the WebSocket upgrade with ${status}`,
      };
      resolve({ ok: false, fault });
    });
    ws.once('error', (err) => resolve({ ok: false, fault: classifyUpstreamError(err) }));
  });
}

/**
 * A handshake attempt that did not open: counted, and recorded like an HTTP attempt (at its
 * replica when the replica failed or answered, so the edge's snapshot sees a realtime app's
 * gray-failing cluster as it sees an HTTP app's), one outcome row per attempt.
 */
function recordHandshakeFailure(rt: ProxyRuntime, did: string, target: RequestTarget, a: Attempt, fault: AttemptFault): void {
  if (fault.blame === 'proxy') logProxyFault(rt.logger, { did, app: target.appId }, a, fault);
  rt.metrics.attempts.inc({ cluster: namesUpstream(fault) ? a.clusterId : 'none', result: fault.code });
  const now = rt.now();
  rt.recordOutcome({
    decisionId: did,
    appId: target.appId,
    attempt: a.number,
    proxyId: rt.config.id,
    ...failedAttemptPlace(fault, a.clusterId, a.endpoint.url),
    ttfbMs: null,
    durationMs: now - a.startedAt,
    bytesIn: 0,
    bytesOut: 0,
    error: fault.detail,
    at: now,
  });
}

/** Headers for the upstream handshake: the forwarded set minus the client's own WebSocket ones. */
export function handshakeHeaders(req: ClientRequest, target: RequestTarget): Record<string, string> {
  const headers: Record<string, string> = {};
  const forwarded = upstreamRequestHeaders(req.headers, {
    policy: target.headerPolicy, // credentials only for apps that forward them
    clientIp: req.socket?.remoteAddress ?? 'unknown',
    proto: clientProto(req),
    host: clientHost(req),
    traceId: () => randomBytes(16).toString('hex'),
    spanId: () => randomBytes(8).toString('hex'),
  });
  for (const [k, v] of Object.entries(forwarded))
    if (!WS_HEADERS.has(k) && v !== undefined)
      headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return headers;
}

function refuseClient(rt: ProxyRuntime, socket: Duplex, err: ProxyError): void {
  rt.metrics.refusals.inc({ code: err.code });
  refuseUpgrade(socket, err);
}

export async function forwardWebSocket(
  rt: ProxyRuntime,
  servers: WebSocketServers,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  claims: RoutingClaims,
  target: RequestTarget,
  trace: RequestTrace | null = null,
): Promise<void> {
  // The client's handshake is checked before any replica is contacted (a client fault).
  const refuse = (e: ProxyError): void => {
    trace?.end(e.status, e.code);
    refuseClient(rt, socket, e);
  };
  const offered = parseSubprotocols(req.headers['sec-websocket-protocol']);
  if (!offered.ok) return refuse(new ProxyError('client-invalid', 400, offered.message));
  const invalid = clientHandshakeError(req.method, req.headers);
  if (invalid !== null) return refuse(invalid);
  const plan = new AttemptPlan(rt, target.appId, target.project, clustersOf(claims), req.headers);
  // The app's body limit bounds every message, both ways (ws closes with 1009 past it).
  const maxPayload = rt.registry.routing(target.appId).requests.maxBodyBytes;
  try {
    const up = await connectWithPlan(rt, plan, claims.did, target, offered.protocols, handshakeHeaders(req, target), maxPayload, trace);
    if (up.kind === 'refused') {
      trace?.end(up.error.status, up.error.code);
      return refuseUpgrade(socket, up.error);
    }
    if (socket.destroyed) {
      trace?.end(499, 'client-closed');
      return void up.ws.terminate();
    }
    const accepted = accept(
      servers.forLimit(maxPayload),
      req,
      socket,
      head,
      up.ws,
      [...up.responseHeaders, `x-switchyard-cluster: ${up.attempt.clusterId}`],
      (client) => bridge(rt, client, up.ws, up.attempt, claims, target, trace),
    );
    if (!accepted) {
      rt.metrics.refusals.inc({ code: 'client-invalid' });
      trace?.end(400, 'client-invalid');
    } else recordJobPin(rt, target, up.attempt, 101);
  } finally {
    plan.finish();
  }
}

type Upstream =
  | {
      readonly kind: 'open';
      readonly ws: WebSocket;
      readonly responseHeaders: string[];
      readonly attempt: Attempt;
    }
  | { readonly kind: 'refused'; readonly error: ProxyError };

/** Walk the plan until a replica completes the handshake, a fault forbids going on, or nothing is left. */
export async function connectWithPlan(
  rt: ProxyRuntime,
  plan: AttemptPlan,
  did: string,
  target: RequestTarget,
  protocols: readonly string[],
  headers: Record<string, string>,
  maxPayload: number,
  trace: RequestTrace | null = null,
): Promise<Upstream> {
  const ttfbMs = ttfbLimitMs(
    rt.registry.routing(target.appId).requests.ttfbBudgetMs,
    rt.config.upstreamHeadersTimeoutMs,
  );
  for (let a = plan.next(); a !== null; a = plan.next()) {
    const wsUrl = `${a.endpoint.url.replace(/^http/, 'ws')}${target.upstreamPath}`;
    // Sampled: the attempt's CLIENT span, its traceparent on the handshake (the replica's trace continues it).
    const tp = trace?.attemptHeaders({ number: a.number, clusterId: a.clusterId, endpointUrl: a.endpoint.url, method: 'GET', path: target.upstreamPath }, {})['traceparent'];
    const r = await connectUpstream(wsUrl, protocols, typeof tp === 'string' ? { ...headers, traceparent: tp } : headers, ttfbMs, maxPayload, target.appId);
    a.release();
    if (r.ok) trace?.attemptUpgraded(a.number);
    else trace?.attemptEnded(a.number, { kind: 'failed', fault: r.fault });
    if (r.ok) {
      plan.succeeded(a);
      return { kind: 'open', ws: r.ws, responseHeaders: r.responseHeaders, attempt: a };
    }
    plan.failed(a, r.fault);
    recordHandshakeFailure(rt, did, target, a, r.fault);
    // An upgrade is a GET: a replica fault may go elsewhere; the client's own fault may not.
    if (r.fault.blame !== 'replica' || !rt.budget.tryRetry(target.appId, rt.now()))
      return { kind: 'refused', error: errorForFault(r.fault, a.clusterId, 'not retried') };
    rt.metrics.retries.inc({ reason: r.fault.code });
  }
  return { kind: 'refused', error: plan.refusal() };
}

/**
 * Complete the client's upgrade. The client's offer is narrowed to the replica's choice, so
 * `ws`'s default protocol selection picks exactly it; the replica's identity headers ride on
 * the 101 (`ws` emits 'headers' synchronously inside handleUpgrade).
 */
function accept(
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  upstream: WebSocket,
  extraHeaders: readonly string[],
  onOpen: (client: WebSocket) => void,
): boolean {
  if (upstream.protocol === '') delete req.headers['sec-websocket-protocol'];
  else req.headers['sec-websocket-protocol'] = upstream.protocol;
  const onHeaders = (headers: string[], r: IncomingMessage): void => {
    if (r === req) headers.push(...extraHeaders);
  };
  let opened = false;
  wss.on('headers', onHeaders);
  try {
    wss.handleUpgrade(req, socket, head, (client) => {
      opened = true;
      onOpen(client);
    });
  } finally {
    wss.off('headers', onHeaders);
    // `ws` refused the client (or its socket was already half-closed) without calling back
    // (the callback is synchronous in completeUpgrade): nothing will ever bridge the replica.
    if (!opened) upstream.terminate();
  }
  return opened;
}

function messageBytes(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** Relay messages one way with backpressure; `count` sees every message's size, `moved` each change of what `to` has queued. */
function relay(from: WebSocket, to: WebSocket, count: (bytes: number) => void, moved: () => void): void {
  from.on('message', (data: RawData, isBinary: boolean) => {
    if (to.readyState !== WebSocket.OPEN) return;
    count(messageBytes(data));
    to.send(data, { binary: isBinary }, () => {
      // Not a side being closed for its memory (CLOSING): it stays paused.
      if (from.isPaused && from.readyState === WebSocket.OPEN && to.bufferedAmount < HIGH_WATER) from.resume();
      moved();
    });
    if (to.bufferedAmount >= HIGH_WATER) from.pause();
    moved();
  });
}

/** `ws`'s error for a message over `maxPayload` (it has already sent close 1009 on that side). */
function tooBig(err: Error): boolean {
  return (err as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
}

/** Codes that may not be sent in a close frame are mapped to a plain 1000/1011. */
function sendableCode(code: number): number {
  if (code === 1005 || code === 1006 || code === 1015) return code === 1006 ? 1011 : 1000;
  return code;
}

/** What a bridge was, for the record of its end. */
interface Session {
  readonly claims: RoutingClaims;
  readonly target: RequestTarget;
  readonly attempt: Attempt;
  readonly trace: RequestTrace | null;
  readonly opened: number;
  readonly bytes: { readonly in: number; readonly out: number };
}

/** An ended bridge's span, outcome record and log line. */
function recordSession(rt: ProxyRuntime, { claims, target, attempt, trace, opened, bytes }: Session, code: number, error: string | null): void {
  const durationMs = rt.now() - opened;
  trace?.sessionEnded({ closeCode: code, bytesIn: bytes.in, bytesOut: bytes.out, error });
  trace?.end(101);
  rt.recordOutcome({
    decisionId: claims.did,
    appId: target.appId,
    attempt: attempt.number,
    proxyId: rt.config.id,
    clusterId: attempt.clusterId,
    endpoint: attempt.endpoint.url,
    status: 101,
    ttfbMs: opened - attempt.startedAt,
    durationMs,
    bytesIn: bytes.in,
    bytesOut: bytes.out,
    error,
    at: rt.now(),
  });
  rt.logger.info(
    {
      did: claims.did,
      app: target.appId,
      fn: target.fn,
      status: 101,
      cluster: attempt.clusterId,
      attempt: attempt.number,
      closeCode: code,
      durationMs,
      bytesIn: bytes.in,
      bytesOut: bytes.out,
    },
    'websocket',
  );
}

export function bridge(
  rt: ProxyRuntime,
  client: WebSocket,
  upstream: WebSocket,
  attempt: Attempt,
  claims: RoutingClaims,
  target: RequestTarget,
  trace: RequestTrace | null = null,
): void {
  const opened = rt.now();
  const tracked: Tracked = {
    kind: 'websocket',
    close: () => {
      // 1012 service-restart + where to reconnect (drain-handoff.ts): the app did not fail.
      client.close(CLOSE_SERVICE_RESTART, closeReason(rt, target, drainRetryAfter(rt)));
      upstream.close(1001, 'proxy draining');
    },
  };
  rt.inFlight.add(tracked);
  rt.metrics.websockets.inc();
  const bytes = { in: 0, out: 0 };
  /** The client's side ended the session by its fault (a message over the limit, a bad frame) or its memory. */
  let clientEnded = false;
  const held = chargeHeldBytes(client, upstream, target.project, (n) => rt.bodyBuffers.hold(target.project, target.appId, n), (refused) => {
    clientEnded = true;
    rt.metrics.refusals.inc({ code: refused.code });
    rt.logger.warn({ did: claims.did, app: target.appId, code: refused.code }, 'websocket closed: its project holds its share of the memory for held messages');
  });
  const fromClient = (n: number): void => {
    bytes.in += n;
    held.read('client');
  };
  const fromUpstream = (n: number): void => {
    bytes.out += n;
    held.read('upstream');
  };
  relay(client, upstream, fromClient, held.recount);
  relay(upstream, client, fromUpstream, held.recount);
  // Paused since its handshake (connectUpstream): what it sent meanwhile flows now, in order.
  upstream.resume();
  let done = false;
  const end = (code: number, error: string | null): void => {
    if (done) return;
    done = true;
    held.close();
    rt.inFlight.delete(tracked);
    rt.metrics.websockets.dec();
    recordSession(rt, { claims, target, attempt, trace, opened, bytes }, code, error);
  };
  client.on('close', (code, reason) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.close(sendableCode(code), reason);
    else if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
    end(code, null);
  });
  upstream.on('close', (code, reason) => {
    if (client.readyState === WebSocket.OPEN) client.close(sendableCode(code), reason);
    // Cut by us for the client's doing: its 1006 comes before the client's close handshake ends,
    // and is no cut by the replica (the rollout gate counts those against a canary).
    end(code, clientEnded ? CLIENT_CLOSED : code === 1006 ? 'upstream-abnormal-close' : null);
  });
  client.on('error', () => {
    clientEnded = true;
    upstream.terminate();
  });
  upstream.on('error', (err) => {
    // The replica sent a message over the app's limit: say so to the client (1009), not a reset.
    if (tooBig(err) && client.readyState === WebSocket.OPEN) client.close(1009, 'message too big');
    else client.terminate();
  });
}
