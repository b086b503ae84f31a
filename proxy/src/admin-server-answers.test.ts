import { once } from 'node:events';
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { adminServer, adminUrl, HEALTH_PATH, type AdminRoutes } from './admin-listener.ts';

// One admin server for a single proxy process and a cluster's primary: metrics, health and a 404
// that names both paths, whichever process answers.
let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function serve(routes: Partial<AdminRoutes>): Promise<string> {
  server = adminServer({
    metricsPath: '/metrics',
    metrics: async () => ({ body: 'up 1\n', contentType: 'text/plain; version=0.0.4' }),
    metricsFailed: () => undefined,
    health: () => ({ status: 200, body: { id: 'p1' } }),
    ...routes,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return adminUrl(server, '127.0.0.1');
}

describe('the admin server', () => {
  it.each([
    ['/metrics', 200, 'text/plain; version=0.0.4', 'up 1\n'],
    ['/metrics?x=1', 200, 'text/plain; version=0.0.4', 'up 1\n'],
    [HEALTH_PATH, 200, 'application/json', '{"id":"p1"}'],
    ['/', 404, 'application/json', `{"error":{"code":"not-found","message":"admin paths: /metrics, ${HEALTH_PATH}"}}`],
  ])('answers %s with %i', async (path, status, type, body) => {
    const res = await fetch(`${await serve({})}${path}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe(type);
    expect(await res.text()).toBe(body);
  });

  it('answers a failed scrape with a bare 500 and reports the error to the process', async () => {
    const seen: unknown[] = [];
    const url = await serve({ metrics: () => Promise.reject(new Error('worker gone')), metricsFailed: (e) => seen.push(e) });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('');
    expect(String(seen[0])).toContain('worker gone');
  });

  it('passes on the status the process gives its health (503 while draining)', async () => {
    const res = await fetch(`${await serve({ health: () => ({ status: 503, body: { draining: true } }) })}${HEALTH_PATH}`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ draining: true });
  });

  it('brackets an IPv6 host in its URL', async () => {
    await serve({});
    expect(adminUrl(server as http.Server, '::1')).toMatch(/^http:\/\/\[::1\]:\d+$/);
  });
});
