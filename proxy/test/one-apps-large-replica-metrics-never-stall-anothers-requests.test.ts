/**
 * The proxy scrapes an inference-aware app's replicas every second, on the event loop every
 * tenant's requests share. A replica's `/metrics` was read up to 4 MiB and parsed in one go, and a
 * page near that (a label explosion in one app's image: one label set per LoRA adapter, per
 * request id…) cost ~150 ms: app A's three replicas took most of each second, and app B, another
 * tenant, got about a fifth to a half of its pace with stalls of 0.5-1 s. Now the scraper reads at
 * most 1 MiB and 1,024 samples of the families it uses, a slice at a time
 * (src/replica-metrics-page.ts): A's pages are refused (no load report for A, nothing else).
 *
 * Real proxy over real sockets; A's replicas are HTTP servers whose `/metrics` is a ~4 MB vLLM
 * page (one of the gauges the proxy reads, or of a histogram it does not); B's replica is the echo
 * replica.
 */
import { createServer, type Server } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { startTestProxy, waitFor } from './harness.ts';

const A = 'acme/chat';
const B = 'other/bot';
const OLD_MAX_PAGE = 4 * 1024 * 1024;
/** A prompt long enough to be hashed into blocks: A's picks then consider (and want) its replicas. */
const CHAT = JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'tell me more '.repeat(200) }] });

/** A vLLM page just under the old 4 MiB bound: `name` once per adapter, after the gauges the proxy reads. */
function largePage(name: string): Buffer {
  const lines = ['# TYPE vllm:num_requests_running gauge', 'vllm:num_requests_running{model_name="m"} 0', 'vllm:num_requests_waiting{model_name="m"} 0'];
  let size = lines.join('\n').length;
  for (let i = 0; size < OLD_MAX_PAGE - 4_096; i++) {
    const line = `${name}{model_name="m",lora_adapter="adapter-${i}"} 0`;
    lines.push(line);
    size += line.length + 1;
  }
  // Encoded once: a replica's own work is its process's, not the proxy's (this one shares it).
  return Buffer.from(`${lines.join('\n')}\n`);
}

let replicas: Server[] = [];
let scrapes = 0;
let echo: EchoReplica;
let proxy: RunningProxy;
const client = new Agent({ connections: 1 });

beforeAll(async () => {
  const pages = [largePage('vllm:num_requests_running'), largePage('vllm:e2e_request_latency_seconds_bucket'), largePage('vllm:num_requests_running')];
  replicas = await Promise.all(
    pages.map(async (page) => {
      const s = createServer((req, res) => {
        req.resume();
        if (req.url === '/metrics') scrapes++;
        if (req.url === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(page);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return s;
    }),
  );
  echo = await startEchoReplica();
  proxy = await startTestProxy({
    endpoints: [
      ...replicas.map((s) => ({ cluster: 'c1', app: A, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` })),
      { cluster: 'c1', app: B, url: echo.url },
    ],
    apps: [{ id: A, strategy: 'inference-aware' }],
  });
});

afterAll(async () => {
  await proxy?.close();
  await client.close();
  for (const s of replicas) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await echo?.close();
});

async function timed(app: string): Promise<number> {
  const t0 = performance.now();
  const r = await request(`${proxy.url}/v4/${app}/v1/chat/completions`, { method: 'POST', body: CHAT, headers: { 'content-type': 'application/json' }, dispatcher: client });
  await r.body.dump();
  expect(r.statusCode).toBe(200);
  return performance.now() - t0;
}

/**
 * B's requests one after another for `ms`: how many a second, the slowest, and the longest the
 * event loop (the proxy's: it runs in this process) was held.
 */
async function serveB(ms: number): Promise<{ perSecond: number; worstMs: number; loopHeldMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const latencies: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) latencies.push(await timed(B));
  loop.disable();
  return { perSecond: Math.round((latencies.length * 1_000) / ms), worstMs: Math.round(Math.max(...latencies)), loopHeldMs: Math.round(loop.max / 1e6) };
}

// One retry: the loop's longest hold is this process's, so a neighbour's burst on a loaded machine
// can exceed the bound once (323 ms against 276 in a CI run beside two benchmarking helpers); a
// scrape that parses a page in one go holds it on every attempt, so the retry still fails it.
it("serves app B without stalls while app A's replicas' large pages are scraped", { retry: 1, timeout: 30_000 }, async () => {
  const alone = await serveB(2_000);
  // A's picks make its replicas wanted: the proxy scrapes them every second from now on.
  for (let i = 0; i < 6; i++) await timed(A);
  await waitFor(() => scrapes >= 3, "the first scrapes of A's replicas", 5_000);
  const beside = await serveB(3_000);
  expect(scrapes).toBeGreaterThanOrEqual(9);
  // The machine's own noise (other tests on a loaded box) is in both. Parsed in one go, each
  // scrape held the loop ~150 ms a page: B waited up to 0.7-1 s, at a fifth to a half of its pace.
  expect({ alone, beside }).toEqual({ alone, beside: { ...beside, loopHeldMs: expect.toSatisfy((ms: number) => ms < Math.max(250, 3 * alone.loopHeldMs)) } });
});
