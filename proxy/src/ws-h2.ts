/**
 * WebSockets over HTTP/2 (RFC 8441 extended CONNECT). The h2 listeners advertise
 * SETTINGS_ENABLE_CONNECT_PROTOCOL; a client opens a stream with `:method CONNECT`,
 * `:protocol websocket`, the app path and `sec-websocket-version: 13` (no key: the stream
 * itself is the handshake). The replica is reached exactly as for an HTTP/1.1 upgrade
 * (same planner, same faults), and only when its handshake is done does the client get
 * `:status 200` (with the replica's subprotocol); the stream then carries RFC 6455 frames,
 * read and written by `ws` over the stream (its Duplex transport), and is bridged to the
 * replica like any other WebSocket: same limits, outcome, metrics and drain (close 1012).
 */
import type { RequestTrace } from './tracing-request.ts';
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from 'node:http2';
import WebSocket from 'ws';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import { AttemptPlan, clustersOf } from './attempt-plan.ts';
import { sendError } from './client-io.ts';
import { ProxyError } from './errors.ts';
import { bridge, connectWithPlan, handshakeHeaders } from './forward-websocket.ts';
import { recordJobPin } from './job-pins.ts';
import type { RequestTarget } from './request-target.ts';
import type { ProxyRuntime } from './runtime.ts';
import { parseSubprotocols } from './ws-subprotocols.ts';

/** `ws`'s transport hook (public in its source, absent from its typings): frames over any Duplex. */
interface DuplexTransport {
  setSocket(socket: ServerHttp2Stream, head: Buffer, options: { maxPayload: number; allowSynchronousEvents: boolean; skipUTF8Validation: boolean }): void;
}

/** The checks RFC 8441 §5 puts on the client's CONNECT, before any replica is contacted. */
export function h2HandshakeError(headers: Http2ServerRequest['headers']): ProxyError | null {
  if (headers[':protocol'] !== 'websocket')
    return new ProxyError('client-unsupported', 501, 'extended CONNECT is accepted for :protocol websocket only');
  if (headers['sec-websocket-version'] !== '13')
    return new ProxyError('client-invalid', 400, 'a WebSocket over HTTP/2 needs sec-websocket-version: 13');
  return null;
}

/** The client's end of the stream as a server-side `ws` socket (unmasked frames out, masked in). */
function serverSocketOver(stream: ServerHttp2Stream, protocol: string, maxPayload: number): WebSocket {
  // As WebSocketServer builds its sockets: no address, ws answers pings itself.
  const ws = new (WebSocket as unknown as new (a: null, p: undefined, o: { autoPong: boolean }) => WebSocket)(null, undefined, { autoPong: true });
  (ws as unknown as { _protocol: string })._protocol = protocol;
  (ws as unknown as DuplexTransport).setSocket(stream, Buffer.alloc(0), {
    maxPayload,
    allowSynchronousEvents: true,
    skipUTF8Validation: false,
  });
  return ws;
}

/** The replica's handshake headers as an h2 header object (pseudo/hop-by-hop already dropped). */
function h2Headers(lines: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const line of lines) {
    const i = line.indexOf(': ');
    if (i <= 0) continue;
    const name = line.slice(0, i).toLowerCase();
    const value = line.slice(i + 2);
    // A repeated field (each Set-Cookie is its own line) stays repeated: keeping one lost cookies.
    const had = out[name];
    out[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  return out;
}

export async function forwardH2WebSocket(
  rt: ProxyRuntime,
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  claims: RoutingClaims,
  target: RequestTarget,
  trace: RequestTrace | null = null,
): Promise<void> {
  const refuse = (e: ProxyError): void => {
    trace?.end(e.status, e.code);
    sendError(res, e);
  };
  const offered = parseSubprotocols(req.headers['sec-websocket-protocol']);
  if (!offered.ok) return refuse(new ProxyError('client-invalid', 400, offered.message));
  const invalid = h2HandshakeError(req.headers);
  if (invalid !== null) return refuse(invalid);
  const plan = new AttemptPlan(rt, target.appId, target.project, clustersOf(claims), req.headers);
  const maxPayload = rt.registry.routing(target.appId).requests.maxBodyBytes;
  try {
    const up = await connectWithPlan(rt, plan, claims.did, target, offered.protocols, handshakeHeaders(req, target), maxPayload, trace);
    if (up.kind === 'refused') {
      trace?.end(up.error.status, up.error.code);
      return sendError(res, up.error);
    }
    const stream = res.stream;
    if (stream.destroyed || stream.closed) {
      trace?.end(499, 'client-closed');
      return void up.ws.terminate();
    }
    stream.respond({
      ...h2Headers(up.responseHeaders),
      ':status': 200,
      ...(up.ws.protocol === '' ? {} : { 'sec-websocket-protocol': up.ws.protocol }),
      'x-switchyard-cluster': up.attempt.clusterId,
    });
    recordJobPin(rt, target, up.attempt, 101);
    bridge(rt, serverSocketOver(stream, up.ws.protocol, maxPayload), up.ws, up.attempt, claims, target, trace);
  } finally {
    plan.finish();
  }
}
