/**
 * One port, both protocols.
 * * TLS: `http2.createSecureServer({ allowHTTP1 })`; ALPN picks h2 or http/1.1.
 * * Cleartext: a `net.Server` peeks at each connection's first bytes. The
 *   HTTP/2 client preface starts with `PRI * HTTP/2.0`, which is no valid
 *   HTTP/1 request, so such connections go to an `http2` server (h2c with prior
 *   knowledge) and everything else to an `http` server. Both are fed with
 *   `emit('connection')`; neither listens itself.
 * WebSocket upgrades arrive on the HTTP/1.1 server's 'upgrade' event.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProxyConfig } from './config.ts';
import type { ClientRequest, ClientResponse } from './client-io.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0');

export interface Listeners {
  /** The server that owns the port. */
  readonly server: net.Server;
  readonly h1: http.Server | null;
  readonly h2sessions: Set<http2.ServerHttp2Session>;
  readonly sockets: Set<net.Socket>;
}

type OnRequest = (req: ClientRequest, res: ClientResponse) => void;
type OnUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

function tuneSocket(socket: net.Socket): void {
  // TCP keep-alive finds dead peers on hours-long streams; no Nagle so SSE events leave at once.
  socket.setKeepAlive(true, 30_000);
  socket.setNoDelay(true);
}

function h1Options(config: ProxyConfig): http.ServerOptions {
  return {
    // No total-duration limit on requests: streams and uploads may last hours.
    requestTimeout: 0,
    headersTimeout: config.headersTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Check header deadlines often enough for short configured timeouts to bite.
    connectionsCheckingInterval: Math.max(
      100,
      Math.min(30_000, Math.floor(config.headersTimeoutMs / 4)),
    ),
  };
}

export function createListeners(
  config: ProxyConfig,
  onRequest: OnRequest,
  onUpgrade: OnUpgrade,
): Listeners {
  const sockets = new Set<net.Socket>();
  const h2sessions = new Set<http2.ServerHttp2Session>();
  const track = (s: net.Socket): void => {
    tuneSocket(s);
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  if (config.tlsCertFile !== null && config.tlsKeyFile !== null) {
    const secure = http2.createSecureServer(
      {
        cert: readFileSync(config.tlsCertFile),
        key: readFileSync(config.tlsKeyFile),
        allowHTTP1: true,
        ...h1Options(config),
      },
      onRequest,
    );
    secure.on('secureConnection', track);
    secure.on(
      'session',
      (s: http2.ServerHttp2Session) => (
        h2sessions.add(s),
        s.once('close', () => h2sessions.delete(s))
      ),
    );
    secure.on('upgrade', onUpgrade);
    return { server: secure, h1: null, h2sessions, sockets };
  }
  const h1 = http.createServer(h1Options(config), onRequest);
  h1.on('upgrade', onUpgrade);
  const h2 = http2.createServer({}, onRequest);
  h2.on(
    'session',
    (s: http2.ServerHttp2Session) => (
      h2sessions.add(s),
      s.once('close', () => h2sessions.delete(s))
    ),
  );
  const server = net.createServer({ pauseOnConnect: false }, (socket) => {
    track(socket);
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && seen.length < PREFACE.length) return; // need more bytes to decide
      socket.off('data', onData);
      socket.pause();
      socket.unshift(seen);
      if (isH2) {
        // http2 reads the unshifted preface itself (readableLength) and then owns the handle.
        h2.emit('connection', socket);
      } else {
        h1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
  return { server, h1, h2sessions, sockets };
}
