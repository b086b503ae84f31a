/**
 * Routed first-chunk latency through the edge + a regional proxy versus straight to the replica,
 * in the same run, for the self-hosted workerd edge and for `wrangler dev`. Each stack is the
 * real local system (`startDevStack`); requests are sequential streaming chat completions
 * (max_tokens 1) and the clock stops at the first body chunk (the simulated replica sends its
 * role chunk at once, so what is left is the path's own cost). Token mode is measured three
 * ways: the edge's token plus the proxy leg, the proxy leg alone, and the same token sent again.
 *
 * Run: npx tsx infra/workerd/bench-first-chunk.ts   (BENCH_N=150, BENCH_EDGES=workerd,wrangler,
 * BENCH_BASE_PORT=25800, BENCH_TRACES=on; E2E_PORT_OFFSET shifts the ports like the e2e tests).
 * BENCH_TRACES=off runs the stack as production does by default (no spans, no OTLP export);
 * `on` is the dev stack's default (every request sampled on edge and proxy).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { startDevStack, type DevStack } from '../../control/dev/start-dev-stack.ts';
import { replicaUrls } from '../../control/dev/topology.ts';
import { RELAY_TO, startNodeRelay, startWorkerdRelay } from './relay-floor.ts';

type Edge = 'workerd' | 'wrangler';
const N = Number(process.env['BENCH_N'] ?? 150);
const WARMUP = 20;
const TRACES = process.env['BENCH_TRACES'] !== 'off';
const EDGES = (process.env['BENCH_EDGES'] ?? 'workerd,wrangler').split(',') as Edge[];
const BASE = Number(process.env['BENCH_BASE_PORT'] ?? 25_800) + Number(process.env['E2E_PORT_OFFSET'] ?? 0);
/** Extra edge variables for an experiment, e.g. BENCH_EDGE_VARS='{"EDGE_LOG_DECISIONS":"off"}'. */
const EXTRA_VARS = JSON.parse(process.env['BENCH_EDGE_VARS'] ?? '{}') as Record<string, string>;
const LOCATION = JSON.stringify({ colo: 'EWR', country: 'US', continent: 'NA', lat: 40.7, lon: -74.0 });
const BODY = JSON.stringify({ model: 'demo-llm', stream: true, max_tokens: 1, messages: [{ role: 'user', content: 'first chunk' }] });
const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 4 });

interface Sample {
  readonly ms: number;
  readonly cluster: string;
}

/** POSTs and resolves at the first body chunk (then drains the rest, untimed). */
async function firstChunk(url: string, headers: Record<string, string>, body = BODY): Promise<Sample> {
  const t0 = performance.now();
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, dispatcher });
  let ms = -1;
  for await (const _chunk of res.body) if (ms < 0) ms = performance.now() - t0;
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
  return { ms, cluster: String(res.headers['x-sim-cluster']) };
}

interface TokenAnswer {
  readonly token: string;
  readonly url: string;
}

/** Token mode: a token from the edge, the stream from its proxy, then the same token again. */
async function tokenThenProxy(s: DevStack, auth: Record<string, string>): Promise<{ total: number; proxyLeg: number; reused: number }> {
  const t0 = performance.now();
  const res = await request(`${s.edgeUrl}/token/v4/acme/chat/v1/chat/completions`, { method: 'POST', headers: auth, dispatcher });
  const answer = (await res.body.json()) as TokenAnswer;
  const t1 = performance.now();
  const leg = await firstChunk(answer.url, { 'x-switchyard-token': answer.token });
  // A client that keeps its token for its next call (the proxy remembers tokens it verified).
  const again = await firstChunk(answer.url, { 'x-switchyard-token': answer.token });
  return { total: t1 - t0 + leg.ms, proxyLeg: leg.ms, reused: again.ms };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function measure(edge: Edge, basePort: number): Promise<Record<string, number[]>> {
  const dir = await mkdtemp(join(tmpdir(), `switchyard-bench-${edge}-`));
  const s = await startDevStack({
    basePort,
    stateDir: dir,
    fresh: true,
    edge,
    traces: TRACES,
    edgeVars: { EDGE_TRUST_DEV_LOCATION: 'on', ...EXTRA_VARS },
    log: () => undefined,
  });
  const out: Record<string, number[]> = { direct: [], relayWorkerd: [], relayNode: [], forward: [], tokenTotal: [], tokenProxyLeg: [], tokenReused: [] };
  // The runtimes' floor, same run, same replica: bare relays that do nothing else (relay-floor.ts).
  const workerdRelay = await startWorkerdRelay(dir, basePort + 190);
  const nodeRelay = await startNodeRelay(basePort + 191);
  try {
    const auth = { authorization: `Bearer ${s.apiKey}`, 'x-switchyard-dev-location': LOCATION };
    for (let i = 0; i < WARMUP + N; i++) {
      const routed = await firstChunk(`${s.edgeUrl}/v4/acme/chat/v1/chat/completions`, auth);
      const cluster = s.topology.clusters.find((c) => c.id === routed.cluster);
      if (cluster === undefined) throw new Error(`unknown cluster ${routed.cluster}`);
      const replica = replicaUrls(cluster)[0] ?? '';
      const direct = await firstChunk(`${replica}/v1/chat/completions`, {});
      const viaWorkerd = await firstChunk(`${workerdRelay.url}/v1/chat/completions`, { [RELAY_TO]: replica });
      const viaNode = await firstChunk(`${nodeRelay.url}/v1/chat/completions`, { [RELAY_TO]: replica });
      const token = await tokenThenProxy(s, auth);
      if (i < WARMUP) continue;
      out['forward']?.push(routed.ms);
      out['direct']?.push(direct.ms);
      out['relayWorkerd']?.push(viaWorkerd.ms);
      out['relayNode']?.push(viaNode.ms);
      out['tokenTotal']?.push(token.total);
      out['tokenProxyLeg']?.push(token.proxyLeg);
      out['tokenReused']?.push(token.reused);
    }
  } finally {
    await Promise.all([workerdRelay.stop(), nodeRelay.stop()]);
    await s.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

const f = (x: number): string => x.toFixed(2);
const rows: string[] = ['| edge | path | p50 ms | p90 ms | p99 ms | added p50 vs direct |', '|---|---|---:|---:|---:|---:|'];
for (const [i, edge] of EDGES.entries()) {
  const r = await measure(edge, BASE + i * 200);
  const direct = pct(r['direct'] ?? [], 50);
  const label: Record<string, string> = {
    direct: 'direct to the replica',
    relayWorkerd: 'floor: bare workerd relay (fetch onward, nothing else) → replica',
    relayNode: 'floor: bare Node relay (node:http + undici, piped) → replica',
    forward: 'edge forwards → proxy → replica',
    tokenProxyLeg: 'token mode: proxy → replica (token in hand)',
    tokenTotal: 'token mode: edge token + proxy → replica',
    tokenReused: 'token mode: proxy → replica (same token again)',
  };
  for (const [k, xs] of Object.entries(r)) {
    const p50 = pct(xs, 50);
    rows.push(`| ${edge} | ${label[k] ?? k} | ${f(p50)} | ${f(pct(xs, 90))} | ${f(pct(xs, 99))} | ${k === 'direct' ? '—' : `+${f(p50 - direct)}`} |`);
  }
}
process.stdout.write(`n=${N} per path (after ${WARMUP} warm-up), sequential, max_tokens 1, traces ${TRACES ? 'on' : 'off'}\n${rows.join('\n')}\n`);
await dispatcher.close();
