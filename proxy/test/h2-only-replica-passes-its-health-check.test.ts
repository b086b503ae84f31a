/**
 * Health checks of a cluster configured `h2` go over HTTP/2: a replica that speaks only h2c
 * (no HTTP/1.1 at all) is checked healthy, and one that answers its check with 503 is down.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startTestProxy, waitFor } from './harness.ts';

async function h2OnlyReplica(healthStatus: number): Promise<{ server: http2.Http2Server; url: string; checks: () => number }> {
  let checks = 0;
  const server = http2.createServer((req, res) => {
    if (req.url === '/health') checks += 1;
    res.writeHead(req.url === '/health' ? healthStatus : 404).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, checks: () => checks };
}

describe('an h2-only replica is health-checked over HTTP/2', () => {
  let up: Awaited<ReturnType<typeof h2OnlyReplica>>;
  let down: Awaited<ReturnType<typeof h2OnlyReplica>>;
  let proxy: RunningProxy;
  beforeAll(async () => {
    up = await h2OnlyReplica(200);
    down = await h2OnlyReplica(503);
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: up.url },
        { cluster: 'c1', url: down.url },
      ],
      config: { upstreamProtocols: 'c1=h2', healthCheckIntervalMs: 100 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => up.server.close(r));
    await new Promise((r) => down.server.close(r));
  });

  it('the 200 replica is up, the 503 replica is down, both checked on HTTP/2', async () => {
    await waitFor(() => up.checks() >= 2 && down.checks() >= 2, 'two check rounds over HTTP/2');
    const byUrl = new Map(proxy.runtime.registry.allEndpoints().map(({ endpoint }) => [endpoint.url, endpoint]));
    expect(byUrl.get(up.url)?.checkedHealthy).toBe(true);
    expect(byUrl.get(down.url)?.checkedHealthy).toBe(false);
  });
});
