/**
 * One port, both protocols, with every connection-level limit in force.
 * * TLS: `http2.createSecureServer({ allowHTTP1 })`; ALPN picks h2 or http/1.1;
 *   the handshake must finish within `sniffTimeoutMs`.
 * * Cleartext: a `net.Server` peeks at each connection's first bytes. The
 *   HTTP/2 client preface starts with `PRI * HTTP/2.0`, which is no valid
 *   HTTP/1 request, so such connections go to an `http2` server (h2c with prior
 *   knowledge) and everything else to an `http` server. Both are fed with
 *   `emit('connection')`; neither listens itself. A connection that does not
 *   show its first bytes within `sniffTimeoutMs` is closed.
 * Node arms the HTTP/1 header/request deadlines only for a server that emitted
 * 'listening', so the fed server is told it listens (else a slowloris client
 * sending a byte a second holds its socket forever). HTTP/2 sessions get
 * SETTINGS limits, a deadline for their first request and an idle timeout.
 * WebSocket upgrades arrive on the HTTP/1.1 server's 'upgrade' event; WebSockets over HTTP/2
 * (RFC 8441, SETTINGS_ENABLE_CONNECT_PROTOCOL advertised) as CONNECT streams on 'connect'.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProxyConfig } from './config.ts';
import type { ConnectionLimits } from './connection-limits.ts';
import { watchRequestDeadline } from './h2-request-deadline.ts';
import { countRequest } from './idle-keep-alive.ts';
import { answerClientError } from './lingering-close.ts';
import { guardRawSocket } from './raw-socket-guard.ts';
import { upgradeOrServe } from './unspoken-upgrade.ts';
import type { ClientRequest, ClientResponse } from './client-io.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0');

export interface Listeners {
  /** The server that owns the port. */
  readonly server: net.Server;
  /** The HTTP/1 server (the TLS server itself when TLS is on). */
  readonly h1: http.Server | http2.Http2SecureServer;
  readonly h2sessions: Set<http2.ServerHttp2Session>;
  readonly sockets: Set<net.Socket>;
}

type OnRequest = (req: ClientRequest, res: ClientResponse) => void;
type OnUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
type OnH2Connect = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

/**
 * `connect` on the TLS server fires for HTTP/2 CONNECT streams (req, res) and, with allowHTTP1,
 * for HTTP/1.1 CONNECT requests (req, socket), as on the cleartext HTTP/1 server: those are not
 * proxied (405).
 */
export function onConnectEvent(onH2Connect: OnH2Connect) {
  return (req: Http2ServerRequest | IncomingMessage, second: Http2ServerResponse | Duplex): void => {
    if (req.httpVersionMajor === 2 && 'stream' in second) return onH2Connect(req as Http2ServerRequest, second);
    // An HTTP/1.1 CONNECT's raw socket (raw-socket-guard.ts): a client that reset it would make
    // this refusal's write an unhandled 'error'.
    guardRawSocket(second as Duplex);
    (second as Duplex).end('HTTP/1.1 405 Method Not Allowed\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  };
}

function tuneSocket(socket: net.Socket): void {
  // TCP keep-alive finds dead peers on hours-long streams; no Nagle so SSE events leave at once.
  socket.setKeepAlive(true, 30_000);
  socket.setNoDelay(true);
}

interface H1Limits {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
}

function h1Limits(config: ProxyConfig): H1Limits {
  return {
    // Only the request (headers, then body) is timed: responses and streams may last hours.
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Check header deadlines often enough for short configured timeouts to bite.
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(config.headersTimeoutMs / 4))),
  };
}

/**
 * Header lines are limited by their bytes alone (`maxHeaderBytes`: 431 over it). A count limit
 * as well dropped the lines past Node's HTTP/1.1 default of 1,000 without a word, Content-Length
 * and tokens among them, so the request forwarded was another than the one received; so HTTP/1.1
 * servers get `maxHeadersCount` 0 (none), and HTTP/2 a count no header list within the bytes can
 * reach (every entry costs bytes against `maxHeaderListSize`).
 */
function headerCountCeiling(config: ProxyConfig): number {
  return Math.max(128, config.maxHeaderBytes);
}

function h2Options(config: ProxyConfig): http2.ServerOptions {
  return {
    settings: {
      maxConcurrentStreams: config.http2MaxConcurrentStreams,
      maxHeaderListSize: config.maxHeaderBytes,
      // RFC 8441: WebSockets over h2 streams (extended CONNECT, ws-h2.ts).
      enableConnectProtocol: true,
    },
    // Headers are bounded by their bytes (maxHeaderBytes), as on HTTP/1.1: Node's default of 128
    // entries reset a stream with a few more small headers (ENHANCE_YOUR_CALM, no answer at all).
    maxHeaderListPairs: headerCountCeiling(config),
    maxSessionRejectedStreams: 100,
    maxSessionInvalidFrames: 1000,
    // Upgrade attempts (h2c via Upgrade) and unknown ALPN: close instead of waiting.
    unknownProtocolTimeout: config.sniffTimeoutMs,
  };
}

/**
 * Sessions track their open streams: a session must open its first stream within the header
 * timeout, and one with no open stream for the keep-alive timeout is closed (GOAWAY), just as
 * an idle HTTP/1 keep-alive connection is. A stream's request body must arrive within the request
 * timeout, as an HTTP/1 request's (h2-request-deadline.ts); its answer has no duration cap.
 */
function watchSession(config: ProxyConfig, s: http2.ServerHttp2Session, sessions: Set<http2.ServerHttp2Session>): void {
  sessions.add(s);
  let open = 0;
  let idle: NodeJS.Timeout | null = setTimeout(() => s.destroy(), config.headersTimeoutMs);
  idle.unref();
  const arm = (): void => {
    idle = setTimeout(() => s.close(), config.keepAliveTimeoutMs);
    idle.unref();
  };
  s.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    watchRequestDeadline(stream, headers, config.requestTimeoutMs);
    open += 1;
    if (idle !== null) clearTimeout(idle);
    idle = null;
    stream.once('close', () => {
      open -= 1;
      if (open === 0 && !s.closed && !s.destroyed) arm();
    });
  });
  s.once('close', () => {
    if (idle !== null) clearTimeout(idle);
    sessions.delete(s);
  });
}

function destroySocket(this: net.Socket): void {
  this.destroy();
}

function destroyGiven(socket: net.Socket): void {
  socket.destroy();
}

function destroyFailedHandshake(_err: Error, socket: net.Socket): void {
  socket.destroy();
}

/**
 * Hands a cleartext connection to the HTTP/2 or the HTTP/1 server by its first bytes. Nothing of
 * the sniff outlives the decision: no listener, closure or Buffer stays on a connection that is
 * then held for hours (the error and timeout handlers are one shared function).
 */
function sniffProtocol(socket: net.Socket, timeoutMs: number, h1: http.Server, h2: http2.Http2Server): void {
  let seen: Buffer | null = null;
  // Until the protocol is known nobody else times this socket: a silent client is closed. Our own
  // timer, not socket.setTimeout(): Node keeps a cleared socket timer (its Timeout and bound
  // callback, ~170 B) on the socket for the connection's whole life, hours for a held stream.
  const silent = setTimeout(destroyGiven, timeoutMs, socket).unref();
  socket.on('error', destroySocket);
  socket.on('data', function sniff(chunk: Buffer): void {
    const bytes: Buffer = seen === null ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(bytes.length, PREFACE.length);
    const isH2 = bytes.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isH2 && bytes.length < PREFACE.length) {
      seen = bytes; // need more bytes to decide
      silent.refresh(); // an idle deadline, as socket.setTimeout's was
      return;
    }
    seen = null;
    socket.off('data', sniff);
    // The server it goes to handles the socket's errors itself (both add an 'error' listener on
    // 'connection'); ours would stay on the connection for its whole life, in a listener array.
    socket.off('error', destroySocket);
    clearTimeout(silent);
    socket.pause();
    socket.unshift(bytes);
    if (isH2) {
      // http2 reads the unshifted preface itself (readableLength) and then owns the handle.
      h2.emit('connection', socket);
    } else {
      h1.emit('connection', socket);
      socket.resume();
    }
  });
}

/**
 * `connections`: the client-connection ceiling and per-address cap (connection-limits.ts), applied at
 * accept; null for a listener only the proxy itself connects to (the async-job replay port).
 */
export function createListeners(
  config: ProxyConfig,
  onRequest: OnRequest,
  onUpgrade: OnUpgrade,
  onH2Connect: OnH2Connect,
  connections: ConnectionLimits | null = null,
): Listeners {
  const sockets = new Set<net.Socket>();
  const h2sessions = new Set<http2.ServerHttp2Session>();
  // One function for every socket, `on` not `once` ('close' fires once): no once-wrapper, closure
  // and context kept per connection for its whole life. It gives back the connection's count too.
  const untrack = function (this: net.Socket): void {
    sockets.delete(this);
    connections?.release(this);
  };
  const track = (s: net.Socket): void => {
    // A TLS connection fed to the server again (unspoken-upgrade.ts) is tracked once.
    if (sockets.has(s)) return;
    tuneSocket(s);
    sockets.add(s);
    s.on('close', untrack);
  };
  const limits = h1Limits(config);
  if (config.tlsCertFile !== null && config.tlsKeyFile !== null) {
    const secure = http2.createSecureServer(
      {
        cert: readFileSync(config.tlsCertFile),
        key: readFileSync(config.tlsKeyFile),
        allowHTTP1: true,
        handshakeTimeout: config.sniffTimeoutMs,
        ...h2Options(config),
      },
      onRequest,
    );
    // The secure server takes its HTTP/1 deadlines as properties, not options (Node 20).
    Object.assign(secure, limits, { maxHeaderSize: config.maxHeaderBytes, maxHeadersCount: 0, requireHostHeader: false });
    // A failed or timed-out handshake is no HTTP request: close it now. Node's secure server passes
    // it on to 'clientError', whose HTTP/1 refusal and lingering close held it a second longer.
    secure.prependListener('tlsClientError', destroyFailedHandshake);
    if (connections !== null) {
      // Counted (or refused: closed, no answer can be written before a handshake) at TCP accept,
      // before the handshake costs anything; given back when the TCP socket closes.
      const release = function (this: net.Socket): void {
        connections.release(this);
      };
      secure.prependListener('connection', (socket: net.Socket) => {
        if (connections.accept(socket, false)) socket.on('close', release);
      });
    }
    secure.on('secureConnection', track);
    secure.on('session', (s: http2.ServerHttp2Session) => watchSession(config, s, h2sessions));
    secure.on('request', countRequest);
    secure.on('upgrade', upgradeOrServe(onUpgrade, (s) => secure.emit('secureConnection', s)));
    secure.on('clientError', (err: Error, socket: Duplex) => answerClientError(err, socket, config.maxHeaderBytes));
    secure.on('connect', onConnectEvent(onH2Connect));
    return { server: secure, h1: secure, h2sessions, sockets };
  }
  // Host is checked with the proxy's JSON refusal (http1-head-rules.ts), not Node's bare 400.
  const h1 = http.createServer({ ...limits, maxHeaderSize: config.maxHeaderBytes, requireHostHeader: false }, onRequest);
  h1.maxHeadersCount = 0;
  // Drain closes idle keep-alive connections at once (idle-keep-alive.ts).
  h1.on('request', countRequest);
  h1.on('upgrade', upgradeOrServe(onUpgrade, (s) => h1.emit('connection', s)));
  // HTTP/1.1 CONNECT: 405, as on the TLS listener (without a listener Node closes the socket unanswered).
  h1.on('connect', onConnectEvent(onH2Connect));
  h1.on('clientError', (err: Error, socket: Duplex) => answerClientError(err, socket, config.maxHeaderBytes));
  // Arms the header/request deadline checks (setupConnectionsTracking) without owning a port.
  h1.emit('listening');
  const h2 = http2.createServer(h2Options(config), onRequest);
  h2.on('session', (s: http2.ServerHttp2Session) => watchSession(config, s, h2sessions));
  h2.on('connect', onH2Connect);
  const server = net.createServer({ pauseOnConnect: false }, (socket) => {
    // Over a limit: answered (HTTP/1.1) and closed by the limits, never tracked.
    if (connections !== null && !connections.accept(socket, true)) return;
    track(socket);
    sniffProtocol(socket, config.sniffTimeoutMs, h1, h2);
  });
  // Stop the deadline checks when the port closes.
  server.once('close', () => h1.close());
  return { server, h1, h2sessions, sockets };
}
