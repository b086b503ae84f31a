/**
 * Inference-aware replica choice (issue 13): one regional proxy (its own process) in front of
 * four simulated replicas (one process) that cache prompt prefixes, under a seeded open-loop
 * shared-prefix workload — many tenants with long system prompts plus one-off prompts. Runs
 * the same request sequence under round robin, least outstanding, consistent hash (on a
 * tenant header), inference-aware, and an oracle placement (each tenant pinned to one replica,
 * sent directly), with fresh replicas each time. Reports TTFT p50/p90, throughput, the
 * replicas' own prefix-cache hit rate (from their /metrics) and the busiest replica's share.
 * Then a small-request check: the proxy's added latency with and without a prompt to read.
 *
 *   npx tsx bench/replica-choice.ts     (BENCH_RPS=40 BENCH_SECONDS=20 BENCH_MODES=… to tune)
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { readEngineMetrics } from '../shared/engine-metrics/read-engine-metrics.ts';
import { workload, type BenchRequest, type WorkloadSettings } from './replica-choice/workload.ts';
import { firstJsonLine, tsx } from './child-process.ts';

const RPS = Number(process.env['BENCH_RPS'] ?? 20);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 24);
const REPLICAS = 4;
const MODES = (process.env['BENCH_MODES'] ?? 'round-robin,least-outstanding,consistent-hash,inference-aware,oracle').split(',').filter((m) => m !== '' && m !== 'none');
// Small bodies with a slow prefill keep the token economics of long prompts (a cold system
// prompt costs ~300 ms of prefill, a cached one ~10 ms) at a CPU cost this 2-core machine can
// carry, and CPU hiccups of a loaded machine (tens of ms) stay small against them.
const SIM = { slots: 8, tokensPerSecond: 200, kvBlocks: 150, prefillTokensPerSecond: 1000 };
const WORK: WorkloadSettings = { tenants: 16, systemWords: 300, questionWords: 10, oneOffWords: 100, oneOffShare: 0.15, maxTokens: 20 };
/** The first quarter of each run fills the caches: TTFT, hit rate and load are measured after it. */
const WARMUP_MS = SECONDS * 250;
const APP = 'bench/chat';

async function startProxy(dir: string, urls: readonly string[], strategy: string, extraEnv: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const endpointsFile = join(dir, `endpoints-${strategy}.json`);
  writeFileSync(
    endpointsFile,
    JSON.stringify({
      endpoints: urls.map((url) => ({ cluster: 'c1', app: APP, url })),
      apps: [{ id: APP, strategy, affinityHeader: 'x-tenant' }],
    }),
  );
  const child = tsx('proxy/src/server.ts', [], {
    PROXY_ID: 'bench',
    PROXY_PORT: '0',
    PROXY_AUTH_DISABLED: 'true',
    PROXY_ENDPOINTS_FILE: endpointsFile,
    // The sim's tokens are the workload's words: ~6 characters each with the space.
    PROXY_PREFIX_CHARS_PER_TOKEN: '6',
    PROXY_LOG_LEVEL: process.env['BENCH_PICKS'] === '1' ? 'debug' : 'silent',
    ...extraEnv,
  });
  const { url } = await firstJsonLine<{ url: string }>(child, (v) => v['msg'] === 'proxy ready');
  if (process.env['BENCH_PICKS'] === '1' && child.stdout !== null) {
    // With PROXY_LOG_LEVEL=debug: how often each scorer branch chose (printed when the proxy exits).
    const reasons = new Map<string, number>();
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /"msg":"replica pick"/.test(line) ? /"reason":"(\w+)"/.exec(line) : null;
      if (m?.[1] !== undefined) reasons.set(m[1], (reasons.get(m[1]) ?? 0) + 1);
    });
    child.once('exit', () => process.stdout.write(`    picks: ${JSON.stringify(Object.fromEntries(reasons))}\n`));
  }
  return { url, child };
}

const pct = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface ModeResult {
  readonly mode: string;
  readonly sent: number;
  readonly ok: number;
  readonly ttftP50: number;
  readonly ttftP90: number;
  readonly rps: number;
  readonly hitRate: number;
  /** Busiest replica's completed requests / the mean. */
  readonly maxOverMean: number;
}

/** Sends one streamed request; resolves with its TTFT (first body byte) or null on failure. */
async function send(agent: Agent, origin: string, path: string, r: BenchRequest): Promise<number | null> {
  const t0 = performance.now();
  try {
    const res = await request(`${origin}${path}`, {
      method: 'POST',
      dispatcher: agent,
      body: r.body,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-tenant': r.key },
    });
    let ttft: number | null = null;
    for await (const _chunk of res.body) ttft ??= performance.now() - t0;
    return res.statusCode === 200 ? ttft : null;
  } catch {
    return null;
  }
}

interface Counts {
  readonly queries: number;
  readonly hits: number;
  /** Prompt tokens each replica was asked to process: its share of the work. */
  readonly served: readonly number[];
}

/** The replicas' own counters, as their /metrics publish them. */
async function replicaCounts(urls: readonly string[]): Promise<Counts> {
  let queries = 0;
  let hits = 0;
  const served: number[] = [];
  for (const url of urls) {
    const m = readEngineMetrics(await (await fetch(`${url}/metrics`)).text());
    if (m.ok) {
      queries += m.load.prefixQueries ?? 0;
      hits += m.load.prefixHits ?? 0;
    }
    served.push(m.ok ? (m.load.prefixQueries ?? 0) : 0);
  }
  return { queries, hits, served };
}

function stats(a: Counts, b: Counts): { hitRate: number; maxOverMean: number } {
  const served = b.served.map((x, i) => x - (a.served[i] ?? 0));
  const mean = served.reduce((s, x) => s + x, 0) / served.length;
  const queries = b.queries - a.queries;
  return { hitRate: queries === 0 ? 0 : (b.hits - a.hits) / queries, maxOverMean: mean === 0 ? NaN : Math.max(...served) / mean };
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

async function runMode(dir: string, mode: string, reqs: readonly BenchRequest[]): Promise<ModeResult> {
  const sims = tsx('bench/replica-choice/sims.ts', [String(REPLICAS), JSON.stringify(SIM)]);
  const { urls } = await firstJsonLine<{ urls: string[] }>(sims, (v) => 'urls' in v);
  const proxy = mode === 'oracle' ? null : await startProxy(dir, urls, mode);
  const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  let oneOffs = 0;
  // The oracle knows each tenant: tenant t on replica t mod N; one-offs round robin.
  const target = (r: BenchRequest): [string, string] =>
    proxy !== null
      ? [proxy.url, `/v4/${APP}/v1/chat/completions`]
      : [urls[r.tenant >= 0 ? r.tenant % urls.length : oneOffs++ % urls.length] ?? '', '/v1/chat/completions'];
  try {
    const t0 = performance.now();
    const pending = reqs.map(
      (r) =>
        new Promise<number | null>((resolve) => {
          setTimeout(() => {
            const [origin, path] = target(r);
            void send(agent, origin, path, r).then(resolve);
          }, r.at);
        }),
    );
    const atWarmup = new Promise<Counts>((resolve) => setTimeout(() => void replicaCounts(urls).then(resolve), WARMUP_MS));
    const ttfts = await Promise.all(pending);
    if (process.env['BENCH_TRACE'] === '1') reqs.forEach((r, i) => i % 10 === 0 && process.stdout.write(`    ${r.at.toFixed(0)} ms: tenant ${r.tenant} ttft ${ttfts[i]?.toFixed(0) ?? 'failed'}\n`));
    const elapsed = (performance.now() - t0) / 1000;
    const okAll = ttfts.filter((x): x is number => x !== null);
    const measured = ttfts.filter((x, i): x is number => x !== null && (reqs[i]?.at ?? 0) >= WARMUP_MS).sort((a, b) => a - b);
    const s = stats(await atWarmup, await replicaCounts(urls));
    return { mode, sent: reqs.length, ok: okAll.length, ttftP50: pct(measured, 50), ttftP90: pct(measured, 90), rps: okAll.length / elapsed, ...s };
  } finally {
    await agent.close();
    if (proxy !== null) await stopped(proxy.child);
    await stopped(sims);
  }
}

/** Closed loop, 1 connection, 3.5 s: p50/p99 of one small request shape (the first 0.5 s warms up). */
async function loop(agent: Agent, url: string, init: { method: 'GET' | 'POST'; body?: string }): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  const start = performance.now();
  while (performance.now() < start + 3500) {
    const t0 = performance.now();
    const r = await request(url, { method: init.method, dispatcher: agent, body: init.body, headers: { 'content-type': 'application/json' } });
    await r.body.dump();
    if (r.statusCode !== 200) throw new Error(`${url} answered ${r.statusCode}`);
    if (t0 > start + 500) samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: pct(samples, 50), p99: pct(samples, 99) };
}

/**
 * Small requests to fast replicas, 1 connection: a GET (no prompt: least outstanding under
 * either strategy) and a tiny chat POST (read and hashed under inference-aware), each direct
 * and through the proxy; "added" = through − direct.
 */
async function smallRequests(dir: string): Promise<string[]> {
  const sims = tsx('bench/replica-choice/sims.ts', ['1', JSON.stringify({ ...SIM, tokensPerSecond: 1_000_000, prefillTokensPerSecond: 10_000_000 })]);
  const { urls } = await firstJsonLine<{ urls: string[] }>(sims, (v) => 'urls' in v);
  const direct = urls[0] ?? '';
  const body = JSON.stringify({ model: 'bench-llm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] });
  const lines: string[] = [];
  const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  try {
    const base = { get: await loop(agent, `${direct}/v1/models`, { method: 'GET' }), post: await loop(agent, `${direct}/v1/chat/completions`, { method: 'POST', body }) };
    lines.push(`| direct | GET ${f(base.get.p50, 3)} / ${f(base.get.p99, 3)} | POST ${f(base.post.p50, 3)} / ${f(base.post.p99, 3)} | – | – |`);
    for (const strategy of ['least-outstanding', 'inference-aware']) {
      const proxy = await startProxy(dir, urls, strategy);
      try {
        const get = await loop(agent, `${proxy.url}/v4/${APP}/v1/models`, { method: 'GET' });
        const post = await loop(agent, `${proxy.url}/v4/${APP}/v1/chat/completions`, { method: 'POST', body });
        lines.push(
          `| ${strategy} | GET ${f(get.p50, 3)} / ${f(get.p99, 3)} | POST ${f(post.p50, 3)} / ${f(post.p99, 3)} | ${f(get.p50 - base.get.p50, 3)} / ${f(get.p99 - base.get.p99, 3)} | ${f(post.p50 - base.post.p50, 3)} / ${f(post.p99 - base.post.p99, 3)} |`,
        );
      } finally {
        await stopped(proxy.child);
      }
    }
  } finally {
    await agent.close();
    await stopped(sims);
  }
  return lines;
}

const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '–');

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-bench-replica-'));
  const reqs = workload(WORK, RPS, SECONDS, 13);
  process.stdout.write(
    `${REPLICAS} replicas (${SIM.slots} slots, KV ${SIM.kvBlocks}×16 tokens, prefill ${SIM.prefillTokensPerSecond} tok/s serial, decode ${SIM.tokensPerSecond} tok/s); ` +
      `${WORK.tenants} tenants × ${WORK.systemWords}-word system prompt, ${WORK.oneOffShare * 100}% one-off ${WORK.oneOffWords}-word prompts; ` +
      `${reqs.length} requests, Poisson ${RPS}/s for ${SECONDS}s\n\n`,
  );
  const rows: ModeResult[] = [];
  for (const mode of MODES) {
    process.stdout.write(`  ${mode}…\n`);
    rows.push(await runMode(dir, mode, reqs));
  }
  process.stdout.write('\n| strategy | ok / sent | TTFT p50 ms | TTFT p90 ms | throughput req/s | prefix-cache hit rate | busiest replica / mean (prompt tokens) |\n|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.mode} | ${r.ok} / ${r.sent} | ${f(r.ttftP50)} | ${f(r.ttftP90)} | ${f(r.rps, 1)} | ${f(r.hitRate * 100, 1)} % | ${f(r.maxOverMean, 2)} |\n`);
  }
  const lo = rows.find((r) => r.mode === 'least-outstanding');
  const ia = rows.find((r) => r.mode === 'inference-aware');
  const oracle = rows.find((r) => r.mode === 'oracle');
  if (lo !== undefined && ia !== undefined) {
    process.stdout.write(`\ninference-aware vs least outstanding: TTFT p90 ${f(lo.ttftP90 / ia.ttftP90, 1)}× lower (target ≥ 3×)`);
    if (oracle !== undefined) process.stdout.write(`; hit rate ${f((oracle.hitRate - ia.hitRate) * 100, 1)} points below the oracle (target ≤ 10)`);
    process.stdout.write(`; busiest replica ${f(ia.maxOverMean, 2)}× the mean (target ≤ 1.5)\n`);
  }
  if (process.env['BENCH_SKIP_SMALL'] !== '1') {
    process.stdout.write('\nsmall requests, 1 connection, fast replica (ms, p50 / p99):\n\n| path | GET /v1/models | POST 1-token chat | added GET | added POST |\n|---|---|---|---|---|\n');
    for (const line of await smallRequests(dir)) process.stdout.write(`${line}\n`);
  }
}

await main();
