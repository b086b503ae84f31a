/**
 * What salting each project's prompt cache costs a request (proxy/README.md "Prompt caches"): one
 * proxy in this process, one upstream that answers at once, two apps on it that differ only in
 * `requests.promptCache` — `project` (the body read whole, parsed, the salt spliced in) and
 * `shared` (streamed through as sent) — driven in alternating rounds by a closed loop of undici
 * requests in this process, a ~9 KB chat body each.
 *
 *   npx tsx bench/prompt-cache-salt.ts          # BENCH_ROUNDS (3), BENCH_REQUESTS (6000), BENCH_CONNS (1,32)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { startTestProxy } from '../proxy/test/harness.ts';
import { chatBody } from '../proxy/test/prefix-chat.ts';

const env = process.env;
const rounds = Number(env['BENCH_ROUNDS'] ?? 3);
const perRun = Number(env['BENCH_REQUESTS'] ?? 6000);
const conns = (env['BENCH_CONNS'] ?? '1,32').split(',').map(Number);
const APPS = { salted: 'a/salted', shared: 'b/shared' } as const;

const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('{"ok":true}'));
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
const proxy = await startTestProxy({
  endpoints: Object.values(APPS).map((app) => ({ cluster: 'c1', app, url })),
  apps: [{ id: APPS.shared, requests: { promptCache: 'shared' } }],
});
const body = chatBody('bench', 'what is the answer');
const client = new Agent({ connections: 64 });

async function one(app: string): Promise<number> {
  const t = performance.now();
  const r = await request(`${proxy.url}/v4/${app}/v1/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: client });
  await r.body.text();
  if (r.statusCode !== 200) throw new Error(`${app}: ${r.statusCode}`);
  return performance.now() - t;
}

const at = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)] ?? NaN;
const median = (xs: number[]): number => at(xs, 0.5);

async function run(app: string, c: number): Promise<{ rps: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (started < perRun) {
        started++;
        lat.push(await one(app));
      }
    }),
  );
  return { rps: lat.length / ((performance.now() - t0) / 1000), p50: at(lat, 0.5) * 1000, p99: at(lat, 0.99) * 1000 };
}

for (let i = 0; i < 2000; i++) for (const app of Object.values(APPS)) await one(app); // warm-up
console.log(`body ${body.length} bytes; ${rounds} rounds of ${perRun} requests per app, order flipped each round`);
console.log('| connections | app | req/s (median of rounds) | p50 µs | p99 µs |\n|---|---|---|---|---|');
for (const c of conns) {
  const got: Record<string, Array<{ rps: number; p50: number; p99: number }>> = { salted: [], shared: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['salted', 'shared'] as const) : (['shared', 'salted'] as const);
    for (const k of order) got[k]?.push(await run(APPS[k], c));
  }
  for (const k of ['salted', 'shared'] as const) {
    const rs = got[k] ?? [];
    const f = (sel: (r: { rps: number; p50: number; p99: number }) => number): string => median(rs.map(sel)).toFixed(0);
    console.log(`| ${c} | ${k === 'salted' ? 'promptCache: project' : 'promptCache: shared'} | ${f((r) => r.rps)} | ${f((r) => r.p50)} | ${f((r) => r.p99)} |`);
  }
}
await proxy.close();
await client.close();
upstream.close();
