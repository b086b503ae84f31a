/**
 * WebSocket upgrades (HTTP/1.1): the upstream handshake is completed first,
 * with the token's cluster and then its fallbacks, and only then is the
 * client's upgrade accepted with the subprotocol the replica chose. Messages
 * are relayed with `ws` (not raw bytes) so drain can close the client cleanly
 * with 1001 going-away. No idle or duration limit; ws answers pings itself.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import { chooseEndpoint } from './choose-endpoint.ts';
import { ProxyError, classifyUpstreamError, statusForFailure } from './errors.ts';
import { upstreamRequestHeaders } from './headers.ts';
import type { RequestTarget } from './request-target.ts';
import { breakerFor, type ProxyRuntime, type Tracked } from './runtime.ts';

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
  const body = JSON.stringify(err.toJSON());
  const lines = [
    `HTTP/1.1 ${err.status} ${err.code}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  if (err.refused) lines.push('x-switchyard-refused: 1');
  if (err.retryAfterS !== null) lines.push(`retry-after: ${err.retryAfterS}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

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

function connectUpstream(
  url: string,
  protocols: string[],
  headers: Record<string, string>,
): Promise<{ ws: WebSocket; responseHeaders: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers, perMessageDeflate: false });
    const responseHeaders: string[] = [];
    ws.once('upgrade', (res) => {
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined || PASS_BACK_SKIP.has(k)) continue;
        for (const one of Array.isArray(v) ? v : [v]) responseHeaders.push(`${k}: ${one}`);
      }
    });
    ws.once('open', () => resolve({ ws, responseHeaders }));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(
        new ProxyError(
          'upstream-error',
          res.statusCode === 503 ? 503 : 502,
          `replica refused the WebSocket upgrade with ${res.statusCode ?? 0}`,
        ),
      );
    });
    ws.once('error', reject);
  });
}

function relay(from: WebSocket, to: WebSocket): void {
  from.on('message', (data: RawData, isBinary: boolean) => {
    if (to.readyState !== WebSocket.OPEN) return;
    to.send(data, { binary: isBinary }, () => {
      if (from.isPaused && to.bufferedAmount < HIGH_WATER) from.resume();
    });
    if (to.bufferedAmount >= HIGH_WATER) from.pause();
  });
}

/** Codes that may not be sent in a close frame are mapped to a plain 1000/1011. */
function sendableCode(code: number): number {
  if (code === 1005 || code === 1006 || code === 1015) return code === 1006 ? 1011 : 1000;
  return code;
}

export async function forwardWebSocket(
  rt: ProxyRuntime,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  claims: RoutingClaims,
  target: RequestTarget,
): Promise<void> {
  const headers: Record<string, string> = {};
  const forwarded = upstreamRequestHeaders(req.headers, {
    policy: target.headerPolicy, // credentials only for apps that forward them
    clientIp: req.socket.remoteAddress ?? 'unknown',
    proto: 'http',
    host: req.headers.host ?? '',
    traceId: () => randomBytes(16).toString('hex'),
    spanId: () => randomBytes(8).toString('hex'),
  });
  for (const [k, v] of Object.entries(forwarded))
    if (!WS_HEADERS.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  let lastErr: ProxyError = new ProxyError(
    'no-endpoints',
    503,
    `no replicas of ${target.appId} reachable for a WebSocket`,
    true,
    1,
  );
  for (const clusterId of [claims.cluster, ...claims.fallbacks]) {
    const breaker = breakerFor(rt, clusterId);
    if (!breaker.allow(rt.now())) continue;
    const tried = new Set<string>();
    for (let i = 0; i < rt.config.maxAttempts; i += 1) {
      const ep = chooseEndpoint(rt, clusterId, target.appId, req.headers, tried);
      if (ep === null) break;
      tried.add(ep.url);
      const wsUrl = `${ep.url.replace(/^http/, 'ws')}${target.upstreamPath}`;
      let upstream: WebSocket;
      try {
        const connected = await connectUpstream(wsUrl, protocols, headers);
        upstream = connected.ws;
        upgradeHeaders.set(req, [
          ...connected.responseHeaders,
          `x-switchyard-cluster: ${clusterId}`,
        ]);
      } catch (err) {
        if (err instanceof ProxyError) {
          lastErr = err;
          continue;
        }
        const f = classifyUpstreamError(err);
        breaker.failure(rt.now());
        rt.outliers.failure(ep.url, rt.now());
        lastErr = new ProxyError(
          'all-clusters-failed',
          statusForFailure(f.code),
          `WebSocket to ${clusterId} failed: ${f.code}`,
          true,
          1,
        );
        continue;
      }
      breaker.success();
      if (socket.destroyed) {
        upstream.terminate();
        return;
      }
      chosenProtocol.set(req, upstream.protocol);
      wss.handleUpgrade(req, socket, head, (client) =>
        bridge(rt, client, upstream, clusterId, claims, target),
      );
      return;
    }
  }
  refuseUpgrade(socket, lastErr);
}

/** Upstream 101 response headers (identity, tracing) to repeat in our 101, read on the server's 'headers' event. */
export const upgradeHeaders = new WeakMap<IncomingMessage, string[]>();

/** The subprotocol the replica picked, read by the server's handleProtocols. */
export const chosenProtocol = new WeakMap<IncomingMessage, string>();

function bridge(
  rt: ProxyRuntime,
  client: WebSocket,
  upstream: WebSocket,
  clusterId: string,
  claims: RoutingClaims,
  target: RequestTarget,
): void {
  const opened = rt.now();
  const tracked: Tracked = {
    kind: 'websocket',
    close: () => {
      // 1001 going-away tells clients to reconnect (to another proxy), not that the app failed.
      client.close(1001, 'proxy draining');
      upstream.close(1001, 'proxy draining');
    },
  };
  rt.inFlight.add(tracked);
  rt.metrics.websockets.inc();
  relay(client, upstream);
  relay(upstream, client);
  let done = false;
  const end = (code: number, error: string | null): void => {
    if (done) return;
    done = true;
    rt.inFlight.delete(tracked);
    rt.metrics.websockets.dec();
    rt.recordOutcome({
      decisionId: claims.did,
      attempt: 0,
      proxyId: rt.config.id,
      clusterId,
      endpoint: upstream.url,
      status: 101,
      ttfbMs: null,
      durationMs: rt.now() - opened,
      bytesIn: 0,
      bytesOut: 0,
      error,
      at: rt.now(),
    });
    rt.logger.info(
      {
        did: claims.did,
        app: target.appId,
        fn: target.fn,
        status: 101,
        cluster: clusterId,
        closeCode: code,
        durationMs: rt.now() - opened,
      },
      'websocket',
    );
  };
  client.on('close', (code, reason) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.close(sendableCode(code), reason);
    else if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
    end(code, null);
  });
  upstream.on('close', (code, reason) => {
    if (client.readyState === WebSocket.OPEN) client.close(sendableCode(code), reason);
    end(code, code === 1006 ? 'upstream-abnormal-close' : null);
  });
  client.on('error', () => upstream.terminate());
  upstream.on('error', () => client.terminate());
}
