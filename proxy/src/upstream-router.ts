/**
 * Sends each attempt over the HTTP version its cluster is configured for (upstream-protocols.ts):
 * `http1` and `auto` through undici (an Agent with or without ALPN h2), `h2` through the
 * proxy's own HTTP/2 pool (h2-upstream-pool.ts). All three answer with the same
 * `UpstreamResponse` and fail with errors classified the same way.
 */
import { Agent, type Dispatcher } from 'undici';
import type { ProxyConfig } from './config.ts';
import { callH2Upstream } from './h2-upstream-call.ts';
import { H2UpstreamPool } from './h2-upstream-pool.ts';
import type { HeaderMap } from './headers.ts';
import { UpstreamAbort } from './upstream-abort.ts';
import { callUpstream, type UpstreamResponse } from './upstream-call.ts';
import { upstreamConnector, upstreamPool } from './upstream-connections.ts';
import { protocolFor } from './upstream-protocols.ts';
import type { Readable } from 'node:stream';

/**
 * Read only by undici's WebSocket and EventSource clients, which the proxy does not use; shared so
 * undici's dispatcher base does not make two empty option objects per connection (each `Client`
 * is one connection, and a held HTTP/1.1 stream keeps its own for hours).
 */
const NO_WEBSOCKET_OPTIONS = Object.freeze({});
const NO_EVENTSOURCE_OPTIONS = Object.freeze({});

/** The proxy's undici Agent to replicas (one connection per in-flight HTTP/1.1 request). */
export function upstreamAgent(config: ProxyConfig, allowH2: boolean): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    connections: null,
    allowH2,
    // Keep-alive, no Nagle and the connect deadline as before; cleartext sockets keep nothing
    // of the connect once connected (upstream-connections.ts).
    connect: upstreamConnector({ timeoutMs: config.upstreamConnectTimeoutMs, allowH2 }),
    // undici's Pool per origin, its per-connection drain listener without a property dictionary.
    factory: upstreamPool,
    webSocket: NO_WEBSOCKET_OPTIONS,
    eventSource: NO_EVENTSOURCE_OPTIONS,
  });
}

export interface AttemptRequest {
  readonly origin: string;
  readonly path: string;
  readonly method: Dispatcher.HttpMethod;
  readonly headers: HeaderMap;
  readonly body: Buffer | Readable | null;
  readonly headersTimeout: number;
}

export class UpstreamRouter {
  /** The Agent of the protocol the main dispatcher does not speak, made on first use. */
  private other: Agent | null = null;
  readonly h2: H2UpstreamPool;

  constructor(
    private readonly config: ProxyConfig,
    /** undici with ALPN h2 when `upstreamAllowH2`, else HTTP/1.1 only. */
    private readonly main: Dispatcher,
  ) {
    this.h2 = new H2UpstreamPool(config.upstreamConnectTimeoutMs, 30_000);
  }

  call(clusterId: string, r: AttemptRequest, signal: UpstreamAbort): Promise<UpstreamResponse> {
    const config = this.config;
    const protocol = protocolFor(config.upstreamProtocols, config.upstreamAllowH2, clusterId);
    if (protocol === 'h2') return callH2Upstream(this.h2, r, signal);
    const wantsAlpnH2 = protocol === 'auto';
    const dispatcher =
      wantsAlpnH2 === config.upstreamAllowH2 ? this.main : (this.other ??= upstreamAgent(config, wantsAlpnH2));
    // Streams have no idle cap; non-stream silence is watched by stream-response.
    return callUpstream(dispatcher, { ...r, bodyTimeout: 0 }, signal);
  }

  /**
   * A health check's GET, over the cluster's protocol (an h2-only replica would fail an HTTP/1.1
   * check): the answer's status, its body read and dropped. Timeouts reject like undici's.
   */
  async probe(clusterId: string, origin: string, path: string, timeoutMs: number): Promise<number> {
    const config = this.config;
    if (protocolFor(config.upstreamProtocols, config.upstreamAllowH2, clusterId) !== 'h2') {
      const r = await this.main.request({
        origin,
        path,
        method: 'GET',
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await r.body.dump();
      return r.statusCode;
    }
    const abort = new UpstreamAbort();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const up = await callH2Upstream(this.h2, { origin, path, method: 'GET', headers: {}, body: null, headersTimeout: timeoutMs }, abort);
      await new Promise<void>((resolve, reject) => up.pipe({ data: () => true, end: resolve, error: reject }));
      return up.statusCode;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.h2.close();
    await this.other?.close().catch(() => undefined);
  }
}
