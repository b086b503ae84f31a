/**
 * `startSimCluster`: one simulated GPU inference replica on a real socket.
 * Wires routes to handlers and owns the lifecycle (in-flight aborts, hung
 * sockets, WebSocket clients) so `close()` always returns promptly.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { injectedFailure, methodNotAllowed, routeNotFound, SimHttpError } from './errors.ts';
import type { ControlPatch } from './fault-mode.ts';
import { handleInference } from './http-inference.ts';
import { readJsonBody, sendError } from './http-io.ts';
import { handleJob } from './http-jobs.ts';
import { handleControlGet, handleControlPost, handleHealth, handleMetrics, handleModels } from './http-meta.ts';
import { resolveSimClusterOptions, type SimClusterConfig, type SimClusterOptions } from './options.ts';
import { receivedHeadersJson } from './received-headers.ts';
import { Replica, type ReplicaSnapshot } from './replica.ts';
import { servePromptSocket } from './ws-prompts.ts';
import { realtimeModel, serveRealtimeSocket } from './realtime-socket.ts';

/** Programmatic equivalents of `/_control`. */
export interface SimControl {
  apply(patch: ControlPatch): ReplicaSnapshot;
  snapshot(): ReplicaSnapshot;
  setFail(fail: boolean): ReplicaSnapshot;
  setSlowdown(ms: number): ReplicaSnapshot;
  setHang(hang: boolean): ReplicaSnapshot;
  /** Inference answers 500 while `/health` stays 200 (a gray failure). */
  setServerErrors(on: boolean): ReplicaSnapshot;
  setDieMidStream(die: boolean, afterTokens?: number): ReplicaSnapshot;
  unloadModel(): ReplicaSnapshot;
  reset(): ReplicaSnapshot;
}

export interface SimCluster {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly config: SimClusterConfig;
  readonly control: SimControl;
  /** Connections accepted so far, by protocol (h2: with `h2cMaxStreams` set). */
  connections(): { readonly http1: number; readonly h2: number };
  /** Cuts every HTTP/2 connection at once (a crashed front): GOAWAY first when `graceful`. */
  dropH2Connections(graceful: boolean): void;
  /** Stops listening, aborts in-flight work, cuts hung and WebSocket connections. */
  close(): Promise<void>;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0');

/** h2c next to HTTP/1.1 on one port: the client's first bytes say which (the HTTP/2 preface). */
function sniff(socket: net.Socket, h1: ReturnType<typeof createServer>, h2: http2.Http2Server): void {
  let seen = Buffer.alloc(0);
  socket.on('error', () => socket.destroy());
  socket.on('data', function first(chunk: Buffer): void {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isH2 && seen.length < PREFACE.length) return;
    socket.off('data', first);
    socket.pause();
    socket.unshift(seen);
    if (isH2) h2.emit('connection', socket);
    else {
      h1.emit('connection', socket);
      socket.resume();
    }
  });
}

type Route = (req: IncomingMessage, res: ServerResponse, signal: AbortSignal) => Promise<void> | void;

/** Starts one replica; throws `SimOptionsError` (code `SIM_INVALID_OPTIONS`) on bad options. */
export async function startSimCluster(options: SimClusterOptions): Promise<SimCluster> {
  const config = resolveSimClusterOptions(options);
  const replica = new Replica(config);
  const log = config.logger;
  const startedAtS = Math.floor(Date.now() / 1000);
  const inFlight = new Set<AbortController>();
  const held = new Set<Duplex>();

  /**
   * The small answers wait behind the API server's loop work for every running request (option
   * `apiLoopMsPerRequest`; one asyncio loop in vLLM and SGLang), measured when they arrive.
   */
  const behindTheLoop = async (signal: AbortSignal): Promise<void> => {
    const ms = config.apiLoopMsPerRequest * replica.pool.running;
    if (ms > 0) await sleep(ms, undefined, { signal });
  };
  const routes: Record<string, Partial<Record<string, Route>>> = {
    '/health': { GET: (_q, res, signal) => behindTheLoop(signal).then(() => handleHealth(replica, res)) },
    '/metrics': { GET: (_q, res, signal) => behindTheLoop(signal).then(() => handleMetrics(replica, res)) },
    '/_control': {
      GET: (_q, res) => handleControlGet(replica, res),
      POST: async (req, res) => handleControlPost(replica, await readJsonBody(req), res),
    },
    '/v1/models': { GET: (_q, res, signal) => behindTheLoop(signal).then(() => handleModels(replica, startedAtS, res)) },
    '/v1/chat/completions': { POST: async (req, res, signal) => handleInference(replica, 'chat', await readJsonBody(req), res, signal) },
    '/v1/completions': { POST: async (req, res, signal) => handleInference(replica, 'completion', await readJsonBody(req), res, signal) },
    '/v1/jobs': { POST: async (req, res, signal) => handleJob(replica, await readJsonBody(req, {}), req.headers.accept ?? '', res, signal) },
  };

  function identify(headers: IncomingMessage['headers']): Record<string, string> {
    return { 'x-sim-cluster': config.clusterId, 'x-sim-replica': config.replicaId, 'x-sim-received-headers': receivedHeadersJson(headers) };
  }

  /** Hang: accept and never answer; the socket is only cut by the client or `close()`. */
  function hold(socket: Duplex): void {
    replica.counters.hung += 1;
    held.add(socket);
    socket.once('close', () => held.delete(socket));
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(identify(req.headers))) res.setHeader(k, v);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const controller = new AbortController();
    inFlight.add(controller);
    const started = performance.now();
    res.once('close', () => {
      inFlight.delete(controller);
      // The client went away (or we cut it) before the response finished: stop generating.
      // (HTTP/2's compatibility response reports writableFinished once its stream closed, even
      // by a reset: writableEnded says whether we ended it.)
      if (!res.writableFinished || !res.writableEnded) controller.abort(new Error('client disconnected'));
      log?.debug({ method, path, status: res.statusCode, ms: Math.round(performance.now() - started), finished: res.writableFinished }, 'request');
    });
    try {
      const byMethod = routes[path];
      if (!byMethod) throw routeNotFound(method, path);
      const route = byMethod[method];
      if (!route) throw methodNotAllowed(method, path, Object.keys(byMethod).join(' or '));
      if (path.startsWith('/v1/')) {
        if (replica.mode.hang) return hold(req.socket);
        if (replica.mode.fail || replica.mode.serverErrors) {
          replica.counters.failed += 1;
          throw injectedFailure();
        }
      }
      await route(req, res, controller.signal);
    } catch (err) {
      if (err instanceof SimHttpError) {
        if (err.status === 400) replica.counters.badRequests += 1;
        sendError(res, err);
      } else if (!controller.signal.aborted) {
        log?.warn({ method, path, err: err instanceof Error ? err.message : String(err) }, 'handler failed');
        sendError(res, new SimHttpError('internal_error', 500, 'server_error', 'The simulator hit an internal error; see its log.'));
      }
    }
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => log?.warn({ err: String(err) }, 'request failed'));
  });
  const counts = { http1: 0, h2: 0 };
  server.on('connection', () => void (counts.http1 += 1));
  // HTTP/2's compatibility request/response carry the same surface the handlers use.
  const h2 =
    config.h2cMaxStreams > 0
      ? http2.createServer({ settings: { maxConcurrentStreams: config.h2cMaxStreams } }, (req, res) => {
          onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse).catch((err: unknown) =>
            log?.warn({ err: String(err) }, 'request failed'),
          );
        })
      : null;
  const h2sessions = new Set<http2.ServerHttp2Session>();
  h2?.on('session', (session: http2.ServerHttp2Session) => {
    counts.h2 += 1;
    h2sessions.add(session);
    session.once('close', () => h2sessions.delete(session));
  });
  // Nagle off, as Node's HTTP server does for its own sockets (HTTP/2 frames would wait for ACKs).
  const front = h2 === null ? server : net.createServer({ noDelay: true }, (socket) => sniff(socket, server, h2));
  // Long jobs and hung requests are the point: no server-side timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.timeout = 0;

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  wss.on('headers', (headers, req) => {
    for (const [k, v] of Object.entries(identify(req.headers))) headers.push(`${k}: ${v}`);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const refuse = (err: SimHttpError): void => {
      const body = JSON.stringify(err.toBody());
      const extra = Object.entries(identify(req.headers)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.end(`HTTP/1.1 ${err.status} ${err.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`);
    };
    if (path !== '/v1/ws' && path !== '/v1/realtime') return refuse(routeNotFound('GET', path));
    const model = path === '/v1/realtime' ? realtimeModel(req.url ?? '', config.model) : null;
    if (model instanceof SimHttpError) return refuse(model);
    if (replica.mode.hang) return hold(socket);
    if (replica.mode.fail || replica.mode.serverErrors) {
      replica.counters.failed += 1;
      return refuse(injectedFailure());
    }
    wss.handleUpgrade(req, socket, head, (ws) => (model === null ? servePromptSocket(replica, ws) : serveRealtimeSocket(replica, ws, model)));
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    // A deep accept backlog: benchmarks open thousands of streams at once.
    front.listen({ port: config.port, host: config.host, backlog: 4096 }, () => {
      front.off('error', reject);
      resolve();
    });
  });
  const port = (front.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  log?.info({ url, model: config.model, slots: config.slots, gpuType: config.gpuType }, 'sim-cluster listening');

  const control: SimControl = {
    apply: (patch) => replica.apply(patch),
    snapshot: () => replica.snapshot(),
    setFail: (fail) => replica.apply({ fail }),
    setSlowdown: (slowdownMs) => replica.apply({ slowdownMs }),
    setHang: (hang) => replica.apply({ hang }),
    setServerErrors: (serverErrors) => replica.apply({ serverErrors }),
    setDieMidStream: (dieMidStream, dieAfterTokens) => replica.apply(dieAfterTokens === undefined ? { dieMidStream } : { dieMidStream, dieAfterTokens }),
    unloadModel: () => replica.apply({ unload: true }),
    reset: () => replica.apply({ reset: true }),
  };

  let closing: Promise<void> | null = null;
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      if (front !== server) server.close();
      front.close(() => resolve());
      for (const s of h2sessions) s.destroy();
      for (const c of inFlight) c.abort(new Error('server closing'));
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      for (const s of held) s.destroy();
      server.closeAllConnections();
      log?.info({ url }, 'sim-cluster closed');
    });
    return closing;
  }

  function dropH2Connections(graceful: boolean): void {
    for (const s of h2sessions) {
      if (graceful) s.goaway(http2.constants.NGHTTP2_NO_ERROR, 0);
      s.destroy();
    }
  }

  return { url, port, config, control, connections: () => ({ ...counts }), dropH2Connections, close };
}

