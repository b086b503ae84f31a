/**
 * How the proxy's undici Agent makes and keeps HTTP/1.1 connections to replicas: its socket
 * connector and its per-origin pool. Both behave as undici's own; they differ in what stays on a
 * connection once it is open.
 *
 * Why: HTTP/1.1 upstreams cost one connection per in-flight request, and a held SSE stream keeps
 * its connection for hours. undici's connector leaves on every socket, for its whole life, its
 * `error` listener (a closure and context holding the connect callback), the connect timeout's
 * clear-closure with its context, its `FastTimer` and a `WeakRef` to the socket (~0.4 KB per
 * stream); here the pending connect is one object whose listeners and timer go at connect (TLS
 * replicas keep undici's connector: ALPN, session cache). undici's Pool binds a drain listener to
 * each connection that V8 keeps with a property dictionary (UpstreamPool below).
 */
import net from 'node:net';
import { buildConnector, errors, Pool } from 'undici';
import { upstreamClient } from './upstream-client.ts';

export interface ConnectorOptions {
  /** Connect deadline in ms (0: none), as undici's `connect.timeout`. */
  readonly timeoutMs: number;
  /** Offer h2 by ALPN on TLS (undici's `allowH2`). */
  readonly allowH2: boolean;
}

/** TCP keep-alive finds dead replicas under hours-long streams (first probe after 30 s idle). */
const KEEPALIVE_DELAY_MS = 30_000;

/**
 * One connect in progress. Its listeners and timer are removed at the first of connect, error or
 * deadline, so a connected socket carries only what undici's HTTP/1.1 client adds itself.
 */
class PendingConnect {
  private timer: NodeJS.Timeout | null = null;
  private readonly onConnect = this.connected.bind(this);
  private readonly onError = this.failed.bind(this);

  constructor(
    private readonly socket: net.Socket,
    private callback: buildConnector.Callback | null,
    private readonly where: string,
    private readonly timeoutMs: number,
  ) {
    socket.on('connect', this.onConnect);
    socket.on('error', this.onError);
    if (timeoutMs > 0) this.timer = setTimeout(PendingConnect.deadline, timeoutMs, this).unref();
  }

  /** The deadline yields once to the loop, as undici's does, so a socket error already queued wins. */
  private static deadline(p: PendingConnect): void {
    setImmediate(PendingConnect.expire, p);
  }

  private static expire(p: PendingConnect): void {
    if (p.callback === null) return;
    const msg = `Connect Timeout Error (attempted address: ${p.where}, timeout: ${p.timeoutMs}ms)`;
    // undici's classification (UND_ERR_CONNECT_TIMEOUT): a replica that never answered the SYN.
    p.socket.destroy(new errors.ConnectTimeoutError(msg));
  }

  private settle(): buildConnector.Callback | null {
    const cb = this.callback;
    this.callback = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket.off('connect', this.onConnect);
    this.socket.off('error', this.onError);
    return cb;
  }

  private connected(): void {
    // undici's HTTP/1.1 client attaches its own error listener inside the callback, synchronously.
    this.settle()?.(null, this.socket);
  }

  private failed(err: Error): void {
    const cb = this.settle();
    // A later error on the dead socket must not be unhandled.
    this.socket.on('error', ignore);
    cb?.(err, null);
  }
}

function ignore(): void {}

/** undici's `connect` option: our cleartext connector, undici's for TLS. */
export function upstreamConnector(opts: ConnectorOptions): buildConnector.connector {
  const tls = buildConnector({
    timeout: opts.timeoutMs,
    allowH2: opts.allowH2,
    keepAlive: true,
    keepAliveInitialDelay: KEEPALIVE_DELAY_MS,
    noDelay: true,
  });
  return function connect(o, callback) {
    if (o.protocol !== 'http:') return tls(o, callback);
    const port = Number(o.port) || 80;
    // 64 KiB read buffer like undici's (a replica's burst is read before backpressure stops it);
    // it is allocated per read, not kept on an idle socket.
    // (Node's stream option; @types/node leaves it out of the connect options.)
    const options: net.TcpNetConnectOpts & { highWaterMark: number } = {
      host: o.hostname,
      port,
      localAddress: o.localAddress ?? undefined,
      highWaterMark: 64 * 1024,
      noDelay: true,
    };
    const socket = net.connect(options);
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    new PendingConnect(socket, callback, `${o.hostname}:${port}`, opts.timeoutMs);
    return socket;
  };
}

/** undici's per-pool drain handler, found by its symbol's description (null if undici renamed it). */
const POOL_ON_DRAIN: symbol | null =
  Object.getOwnPropertySymbols(Object.getPrototypeOf(Pool.prototype) as object).find((s) => s.description === 'onDrain') ?? null;

/**
 * undici's Pool, with one difference: the drain handler it binds to every connection (`Client`)
 * it adds is a plainly named method. undici's is a method under a symbol key; V8 gives a bound
 * copy of such a method its own `name` and `length` properties in dictionary mode, ~0.3 KB per
 * connection, kept for the connection's life (a held HTTP/1.1 stream's hours). Same handler, run
 * the same way; if undici renames it, this is its Pool unchanged.
 */
export class UpstreamPool extends Pool {
  clientDrained(client: unknown, origin: unknown, targets: unknown): unknown {
    return (BASE_ON_DRAIN as (c: unknown, o: unknown, t: unknown) => unknown).call(this, client, origin, targets);
  }
}

const BASE_ON_DRAIN: unknown =
  POOL_ON_DRAIN === null ? null : (Object.getPrototypeOf(Pool.prototype) as Record<symbol, unknown>)[POOL_ON_DRAIN];
if (POOL_ON_DRAIN !== null && typeof BASE_ON_DRAIN === 'function') {
  Object.defineProperty(UpstreamPool.prototype, POOL_ON_DRAIN, {
    value: UpstreamPool.prototype.clientDrained,
    writable: true,
    configurable: true,
  });
}

/**
 * The Agent's `factory`: an UpstreamPool per origin (undici's default is a Pool), its connections
 * UpstreamClients (closed after a response that may have left a body unread, upstream-client.ts).
 */
export function upstreamPool(origin: string | URL, opts: Pool.Options): Pool {
  return new UpstreamPool(origin, { ...opts, factory: upstreamClient });
}
