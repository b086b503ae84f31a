/**
 * The replica scraper reads engines' `/metrics`: a replica that answers with an endless (or
 * just enormous) page must not make the proxy buffer and parse all of it within the scrape
 * timeout — hundreds of MB at loopback speed. The proxy stops reading past a bounded size,
 * keeps no report from it, and still reads a normal replica's page.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeReplicasOnce } from '../src/replica-scraper.ts';
import { ReplicaSignals } from '../src/replica-signals.ts';
import type { ProxyRuntime } from '../src/runtime.ts';

const VLLM_PAGE = [
  'vllm:num_requests_running{model_name="m"} 3',
  'vllm:num_requests_waiting{model_name="m"} 4',
  'vllm:kv_cache_usage_perc{model_name="m"} 0.5',
  '',
].join('\n');

describe('huge replica metrics never fill the proxy', () => {
  let server: Server;
  let base: string;
  let sentToProxy = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/normal/metrics') return void res.end(VLLM_PAGE);
      res.writeHead(200, { 'content-type': 'text/plain' });
      const line = Buffer.from(`${'vllm:some_histogram_bucket{le="1"} 1\n'.repeat(1_000)}`);
      const pump = (): void => {
        while (!res.destroyed) {
          sentToProxy += line.length;
          if (!res.write(line)) return void res.once('drain', pump);
        }
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('stops reading an endless page and still reads a normal one', async () => {
    const replicas = new ReplicaSignals(64, 4, 1_000, 10_000);
    const rt = {
      config: { replicaScrapeTimeoutMs: 1_500, replicaEngine: 'auto' },
      replicas,
      logger: pino({ level: 'silent' }),
      now: () => Date.now(),
    } as unknown as ProxyRuntime;
    replicas.want(`${base}/endless`, Date.now());
    replicas.want(`${base}/normal`, Date.now());
    await scrapeReplicasOnce(rt);
    expect(replicas.report(`${base}/endless`, Date.now())).toBeNull();
    expect(replicas.report(`${base}/normal`, Date.now())).toMatchObject({ running: 3, waiting: 4 });
    // At loopback speed an unbounded read takes hundreds of MB within the timeout.
    expect(sentToProxy).toBeLessThan(32 * 1024 * 1024);
  });
});
