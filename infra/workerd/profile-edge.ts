/**
 * Where the edge Worker's JS time goes per forwarded request: starts the dev stack with the
 * workerd edge, runs a second workerd on the same bundle, config and environment with the V8
 * inspector on, routes PROFILE_N sequential streaming requests through it (after 200 warm-up)
 * and writes a V8 CPU profile (open it in Chrome DevTools / VS Code, or sum it per function).
 * workerd's own clocks are frozen between I/O, so per-step timing inside the isolate is only
 * possible this way (or by batches, `/__bench`). The profiler inflates everything ~5-10×: read
 * shares, not absolute times.
 *
 * Run: E2E_PORT_OFFSET=30000 npx tsx infra/workerd/profile-edge.ts   (PROFILE_N=400,
 * PROFILE_OUT=edge.cpuprofile, BENCH_BASE_PORT=22200, BENCH_EDGE_VARS='{"EDGE_LOG_DECISIONS":"off"}')
 */
import { execSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, request, WebSocket } from 'undici';
import { startDevStack } from '../../control/dev/start-dev-stack.ts';
interface CpuProfile {
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number } }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time per function, µs per request, top 25 (the bundle's line numbers locate them). */
function selfTimes(p: CpuProfile, n: number): string {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const cf = byId.get(id)?.callFrame;
    const name = cf === undefined ? '?' : `${cf.functionName || '(anonymous)'} ${cf.url.split('/').at(-1) ?? ''}:${cf.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, us]) => `${(us / n).toFixed(1).padStart(9)} µs/req  ${k}`).join('\n');
}

const N = Number(process.env['PROFILE_N'] ?? 400);
const BASE = Number(process.env['BENCH_BASE_PORT'] ?? 22_200) + Number(process.env['E2E_PORT_OFFSET'] ?? 0);
const EDGE_PORT = BASE + 150;
const INSPECTOR_PORT = BASE + 151;
const dir = await mkdtemp(join(tmpdir(), 'switchyard-elprof-'));
const s = await startDevStack({ basePort: BASE, stateDir: dir, fresh: true, edge: 'workerd', traces: false, edgeVars: { EDGE_TRUST_DEV_LOCATION: 'on', ...(JSON.parse(process.env['BENCH_EDGE_VARS'] ?? '{}') as Record<string, string>) }, log: () => undefined });
// The stack's workerd, to copy its environment (the variables and secrets the edge runs with).
const pid = Number(execSync(`pgrep -f "workerd serve ${dir}"`).toString().trim().split('\n')[0]);
const env = Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const wd = spawn(join(process.cwd(), 'node_modules/workerd/bin/workerd'), ['serve', join(dir, 'workerd/edge.capnp'), '--socket-addr', `http=127.0.0.1:${EDGE_PORT}`, `--inspector-addr=127.0.0.1:${INSPECTOR_PORT}`], { env, stdio: ['ignore', 'ignore', 'inherit'] });
await new Promise((r) => setTimeout(r, 2000));
const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
const ws = new WebSocket(targets[0]?.webSocketDebuggerUrl.replace('localhost', '127.0.0.1') ?? '');
await new Promise((r) => ws.addEventListener('open', r));
let id = 0;
const pending = new Map<number, (v: unknown) => void>();
ws.addEventListener('message', (e) => { const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown }; if (m.id !== undefined) pending.get(m.id)?.(m.result); });
const send = (method: string, params: object = {}): Promise<unknown> => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
const d = new Agent({ keepAliveTimeout: 60_000, connections: 2 });
const BODY = JSON.stringify({ model: 'demo-llm', stream: true, max_tokens: 1, messages: [{ role: 'user', content: 'first chunk' }] });
const auth = { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json', 'x-switchyard-dev-location': JSON.stringify({ colo: 'EWR', country: 'US', continent: 'NA', lat: 40.7, lon: -74.0 }) };
const one = async (): Promise<number> => {
  const t0 = performance.now();
  const res = await request(`http://127.0.0.1:${EDGE_PORT}/v4/acme/chat/v1/chat/completions`, { method: 'POST', headers: auth, body: BODY, dispatcher: d });
  let ms = -1;
  for await (const _ of res.body) if (ms < 0) ms = performance.now() - t0;
  return ms;
};
for (let i = 0; i < 200; i++) await one();
await send('Profiler.enable');
await send('Profiler.setSamplingInterval', { interval: 50 });
await send('Profiler.start');
const xs: number[] = [];
for (let i = 0; i < N; i++) xs.push(await one());
const prof = (await send('Profiler.stop')) as { profile: CpuProfile };
writeFileSync(process.env['PROFILE_OUT'] ?? 'edge.cpuprofile', JSON.stringify(prof.profile));
xs.sort((a, b) => a - b);
process.stdout.write(`n=${N} first chunk p50=${xs[Math.floor(N / 2)]?.toFixed(2)} ms (profiled)\n${selfTimes(prof.profile, N)}\n`);
ws.close(); wd.kill(); await d.close(); await s.stop();
process.exit(0);
