/**
 * The front door for every request and upgrade: admin paths, draining
 * refusals, the token gate and per-app limits, in that order, before any
 * upstream is contacted. Carrying bytes is forward-http / forward-websocket.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { sendError, type ClientRequest, type ClientResponse } from './client-io.ts';
import { ProxyError } from './errors.ts';
import { forwardHttp } from './forward-http.ts';
import { forwardWebSocket, refuseUpgrade } from './forward-websocket.ts';
import { parseRequestTarget, type RequestTarget } from './request-target.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { RoutingClaims } from '../../shared/tokens/types.ts';

/** Retry-After while draining: base plus jitter, so refused clients do not reconnect in lockstep. */
function drainRetryAfter(rt: ProxyRuntime): number {
  const base = rt.config.drainRetryAfterS;
  return base + Math.floor(Math.random() * (base + 1));
}

type Admitted =
  | { ok: true; claims: RoutingClaims; target: RequestTarget; release: () => void }
  | { ok: false; error: ProxyError };

async function admit(rt: ProxyRuntime, req: ClientRequest | IncomingMessage): Promise<Admitted> {
  const target = parseRequestTarget(req.url ?? '/');
  if (target === null)
    return {
      ok: false,
      error: new ProxyError(
        'not-found',
        404,
        'not an app path: expected /v4/<project>/<app>/<function>',
      ),
    };
  if (rt.draining) {
    return {
      ok: false,
      error: new ProxyError(
        'draining',
        503,
        'this proxy is draining; retry (the edge will route elsewhere)',
        true,
        drainRetryAfter(rt),
      ),
    };
  }
  const gate = await rt.gate.check(req.headers, target, rt.now());
  if (!gate.ok) return gate;
  const limit = rt.limiter.acquire(target.appId, rt.now());
  if (!limit.ok) {
    const what = limit.code === 'rate-limited' ? 'requests per second' : 'concurrent requests';
    return {
      ok: false,
      error: new ProxyError(
        limit.code,
        429,
        `${target.appId} is over its ${what} limit on this proxy; retry after ${limit.retryAfterS}s`,
        false,
        limit.retryAfterS,
      ),
    };
  }
  return { ok: true, claims: gate.claims, target, release: limit.release };
}

export async function handleRequest(
  rt: ProxyRuntime,
  req: ClientRequest,
  res: ClientResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === rt.config.metricsPath) {
    const body = await rt.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': rt.metrics.registry.contentType });
    res.end(body);
    return;
  }
  if (path === '/_switchyard/health') {
    res.writeHead(rt.draining ? 503 : 200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ id: rt.config.id, draining: rt.draining, inFlight: rt.inFlight.size }),
    );
    return;
  }
  const admitted = await admit(rt, req);
  if (!admitted.ok) {
    rt.metrics.refusals.inc({ code: admitted.error.code });
    rt.logger.info(
      { method: req.method, status: admitted.error.status, code: admitted.error.code },
      'refused',
    );
    // Drain the request body so keep-alive connections stay usable after a refusal.
    req.resume();
    sendError(
      res,
      admitted.error,
      rt.draining && req.httpVersionMajor === 1 ? { connection: 'close' } : {},
    );
    return;
  }
  try {
    await forwardHttp(rt, req, res, admitted.claims, admitted.target);
  } finally {
    admitted.release();
  }
}

export async function handleUpgrade(
  rt: ProxyRuntime,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    refuseUpgrade(socket, new ProxyError('not-found', 400, 'only WebSocket upgrades are proxied'));
    return;
  }
  const admitted = await admit(rt, req);
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
  try {
    await forwardWebSocket(rt, wss, req, socket, head, admitted.claims, admitted.target);
  } catch (err) {
    release();
    refuseUpgrade(
      socket,
      new ProxyError('upstream-error', 502, err instanceof Error ? err.message : String(err), true),
    );
  }
}
