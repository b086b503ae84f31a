/**
 * The aggregator reads a replica's pages at most MAX_REPLICA_PAGE_BYTES (4 MiB), as the proxy's
 * scraper does. Before, it read `/metrics` whole with only a time bound: one app's replica serving
 * a huge page (a buggy exporter, a label explosion, a tenant-built image) was held in memory and
 * parsed on the event loop of the tick that pushes capacity for every app on the cluster. The
 * replica here is a real HTTP server streaming a 256 MiB page.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MAX_REPLICA_PAGE_BYTES } from '../../shared/http/bounded-text.ts';
import { scrapeReplica } from './scrape-replica.ts';

let server: Server;
let url: string;
let sent = 0;
const line = `vllm:num_requests_running{model_name="m",x="${'z'.repeat(1 << 20)}"} 1\n`;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.end('ok');
    let n = 0;
    const more = (): void => {
      while (n < 256) {
        n++;
        sent += line.length;
        if (!res.write(line)) return void res.once('drain', more);
      }
      res.end();
    };
    res.on('close', () => (n = 256));
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test("a replica's huge /metrics page is refused after a few MiB, not read whole", async () => {
  const o = await scrapeReplica(url, 10_000, (u, init) => fetch(u, init));
  expect(o.metrics).toBeNull();
  expect(o.problem).toContain(`/metrics page is larger than ${MAX_REPLICA_PAGE_BYTES} bytes`);
  // The server stops writing once the reader cancels: a few socket buffers past the cap, not 256 MiB.
  expect(sent).toBeLessThan(64 * 2 ** 20);
});
