/**
 * Tenant isolation for the event loop: a token-budgeted app's body is read whole and parsed
 * (counted, rewritten to ask for usage) before it is forwarded, and so is a managed stream's
 * (can it be continued?). That work ran on the event loop every tenant shares, and its cost is
 * the sender's to choose: an 8 MiB JSON body of numbers took ~0.6 s to parse and re-serialise,
 * during which no other tenant's request moved (audit, session 34: another project's requests
 * fell from ~300-600/s to 3/s and waited up to 0.8-1.2 s behind two such senders). Now a body
 * past a small size is parsed on the proxy's parse thread (src/body-parser.ts), which takes
 * projects' bodies in turn: the event loop only moves bytes.
 *
 * Real proxy over real sockets; every app's replica is the echo replica.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { scrapeMetrics, startTestProxy } from './harness.ts';

const A = 'acme/chat';
/** The same project's app with managed streams: its JSON POSTs are read to decide on continuation. */
const A_STREAMS = 'acme/agent';
const B = 'other/bot';
const MIB = 1024 * 1024;
/** ~8 MiB (the default maxBodyBytes) of JSON numbers: the costliest shape to parse per byte. */
const HEAVY = Buffer.from(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }], extra: new Array<number>((8 * MIB - 200) / 4).fill(1.5) }));
const SMALL = JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hello' }] });

let echo: EchoReplica;
let proxy: RunningProxy;
const small = new Agent({ connections: 1 });
const heavy = new Agent({ connections: 2 });

beforeAll(async () => {
  echo = await startEchoReplica();
  proxy = await startTestProxy({
    endpoints: [A, A_STREAMS, B].map((app) => ({ cluster: 'c1', app, url: echo.url })),
    apps: [{ id: A, requests: { tokenBudget: { tokensPerMinute: 1_000_000_000 } } }, { id: A_STREAMS, requests: { streams: { continuation: true } } }, { id: B }],
  });
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([small.close(), heavy.close()]);
  await echo?.close();
});

async function post(app: string, body: string | Buffer, dispatcher: Agent): Promise<number> {
  const r = await request(`${proxy.url}/v4/${app}/v1/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher });
  await r.body.dump();
  return r.statusCode;
}

/** B's requests one after another for `ms`: how many a second, the slowest, and the longest the event loop (the proxy's: it runs in this process) was held. */
async function serveB(ms: number): Promise<{ perSecond: number; worstMs: number; loopHeldMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const latencies: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const t0 = performance.now();
    expect(await post(B, SMALL, small)).toBe(200);
    latencies.push(performance.now() - t0);
  }
  loop.disable();
  return { perSecond: Math.round((latencies.length * 1_000) / ms), worstMs: Math.round(Math.max(...latencies)), loopHeldMs: Math.round(loop.max / 1e6) };
}

it("serves project B without stalls while project A sends 8 MiB bodies that must be parsed", async () => {
  await serveB(300); // warm: B's path compiled before it is measured
  const alone = await serveB(1_500);
  let stop = false;
  const sent: number[] = [];
  const pump = async (app: string): Promise<void> => {
    while (!stop) sent.push(await post(app, HEAVY, heavy));
  };
  const pumps = [pump(A), pump(A_STREAMS)];
  // A's first bodies are on their way (8 MiB each over loopback) before B is measured.
  await new Promise((r) => setTimeout(r, 300));
  const beside = await serveB(3_000);
  stop = true;
  await Promise.all(pumps);
  // A was served too: it is not refused, only kept off the loop every tenant shares.
  expect(sent.length).toBeGreaterThanOrEqual(2);
  expect(new Set(sent)).toEqual(new Set([200]));
  // The operator sees whose bodies took the parse thread's time, and that none wait now.
  const scrape = await scrapeMetrics(proxy);
  expect(Number(/^switchyard_proxy_body_parse_thread_seconds_total\{project="acme"\} (\S+)$/m.exec(scrape)?.[1])).toBeGreaterThan(0.1);
  expect(scrape).not.toContain('switchyard_proxy_body_parse_thread_seconds_total{project="other"}');
  expect(scrape).toMatch(/^switchyard_proxy_body_parse_queued 0$/m);
  // On the loop, each of A's bodies held it ~0.6 s: B got 3 requests a second (alone: ~300-600)
  // and waited up to 0.8-1.2 s. The bounds leave room for a loaded machine's own stalls.
  expect({ alone, beside }).toEqual({
    alone,
    beside: { ...beside, perSecond: expect.toSatisfy((n: number) => n >= Math.max(20, alone.perSecond / 10)), worstMs: expect.toSatisfy((ms: number) => ms < 600) },
  });
}, 30_000);
