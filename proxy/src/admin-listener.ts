/**
 * The admin listener: Prometheus metrics and the health answer on their own address
 * (default 127.0.0.1, `PROXY_ADMIN_HOST` / `PROXY_ADMIN_PORT`), never on the public traffic
 * port, where any client could read fleet internals or probe the proxy's state.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyRuntime } from './runtime.ts';
import { ADMIN_LISTENER, listenOrExplain } from './listen-error.ts';

export interface AdminListener {
  readonly url: string;
  close(): Promise<void>;
}

export const HEALTH_PATH = '/_switchyard/health';

function handle(rt: ProxyRuntime, req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === rt.config.metricsPath) {
    rt.metrics.registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': rt.metrics.registry.contentType });
        res.end(body);
      },
      (err: unknown) => {
        rt.logger.error({ err }, 'metrics collection failed');
        res.writeHead(500).end();
      },
    );
    return;
  }
  if (path === HEALTH_PATH) {
    res.writeHead(rt.draining ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: rt.config.id, draining: rt.draining, inFlight: rt.inFlight.size }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not-found', message: `admin paths: ${rt.config.metricsPath}, ${HEALTH_PATH}` } }));
}

export async function startAdminListener(rt: ProxyRuntime): Promise<AdminListener> {
  const server = http.createServer({ headersTimeout: 5_000, requestTimeout: 10_000 }, (req, res) => handle(rt, req, res));
  await listenOrExplain(server, { port: rt.config.adminPort, host: rt.config.adminHost }, ADMIN_LISTENER);
  const { port } = server.address() as AddressInfo;
  const host = rt.config.adminHost.includes(':') ? `[${rt.config.adminHost}]` : rt.config.adminHost;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
