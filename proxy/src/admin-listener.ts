/**
 * The admin listener: Prometheus metrics and the health answer on their own address
 * (default 127.0.0.1, `PROXY_ADMIN_HOST` / `PROXY_ADMIN_PORT`), never on the public traffic
 * port, where any client could read fleet internals or probe the proxy's state.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyRuntime } from './runtime.ts';
import { ADMIN_LISTENER, listenOrExplain } from '../../shared/http/listen-error.ts';

export interface AdminListener {
  readonly url: string;
  close(): Promise<void>;
}

export const HEALTH_PATH = '/_switchyard/health';

/** What an admin listener answers: the one process's or, in a cluster's primary, every worker's. */
export interface AdminRoutes {
  readonly metricsPath: string;
  /** The scrape body and its content type. */
  metrics(): Promise<{ readonly body: string; readonly contentType: string }>;
  /** Logged when a scrape fails (the client gets a bare 500). */
  metricsFailed(err: unknown): void;
  health(): { readonly status: number; readonly body: object };
}

/** The admin HTTP server (not yet listening): metrics, health, and a 404 naming both paths. */
export function adminServer(routes: AdminRoutes): http.Server {
  return http.createServer({ headersTimeout: 5_000, requestTimeout: 10_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === routes.metricsPath) {
      routes.metrics().then(
        ({ body, contentType }) => {
          res.writeHead(200, { 'content-type': contentType });
          res.end(body);
        },
        (err: unknown) => {
          routes.metricsFailed(err);
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (path === HEALTH_PATH) {
      const { status, body } = routes.health();
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'not-found', message: `admin paths: ${routes.metricsPath}, ${HEALTH_PATH}` } }));
  });
}

/** `http://host:port` of a listening admin server (IPv6 hosts bracketed). */
export function adminUrl(server: http.Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startAdminListener(rt: ProxyRuntime): Promise<AdminListener> {
  const server = adminServer({
    metricsPath: rt.config.metricsPath,
    metrics: async () => ({ body: await rt.metrics.registry.metrics(), contentType: rt.metrics.registry.contentType }),
    metricsFailed: (err) => rt.logger.error({ err }, 'metrics collection failed'),
    health: () => ({ status: rt.draining ? 503 : 200, body: { id: rt.config.id, draining: rt.draining, inFlight: rt.inFlight.size } }),
  });
  await listenOrExplain(server, { port: rt.config.adminPort, host: rt.config.adminHost }, ADMIN_LISTENER);
  return {
    url: adminUrl(server, rt.config.adminHost),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
