/**
 * Why workerd's forwarded request leaves as head, then body ~1-2 ms later, on one machine
 * (BENCHMARKS.md, session 8). A bare passthrough Worker (body read as bytes, as the edge does)
 * in the edge's workerd binary and flags, in front of a Node upstream that does, when the
 * request head arrives, nothing (`/plain`), 0.6 ms of CPU on its event loop (`/busy`, a proxy's
 * head parsing and routing) or two Ed25519 verifies on the libuv pool (`/pooled`, the proxy's
 * token check). The Worker is the same on every path; only what the upstream does with the
 * head differs. `perf trace` (kernel timestamps; strace's ptrace stops wait for the tracer to
 * get a CPU and inflated this very gap) records workerd's two writes per request; the script
 * prints the head -> body gap per path. Add `sched:sched_switch` to the events to see workerd
 * switched out while runnable between the two writes (BENCHMARKS.md).
 *
 * Run: npx tsx infra/workerd/probe-head-body-gap.ts   (PROBE_N=120, PROBE_PORT=14110, PROBE_BUSY_MS=0.6; needs perf)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { webcrypto } from 'node:crypto';
import { Agent, request } from 'undici';

const N = Number(process.env['PROBE_N'] ?? 120);
const PORT = Number(process.env['PROBE_PORT'] ?? 14_110);
const BUSY_MS = Number(process.env['PROBE_BUSY_MS'] ?? 0.6);
const PATHS = ['/plain', '/busy', '/pooled'] as const;
const dir = await mkdtemp(join(tmpdir(), 'switchyard-gap-'));
await writeFile(join(dir, 'worker.js'), `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const body = new Uint8Array(await request.arrayBuffer());
    return fetch(env.UPSTREAM + url.pathname, { method: request.method, headers: request.headers, body, redirect: 'manual', signal: request.signal });
  },
};\n`);
await writeFile(join(dir, 'probe.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "w", worker = .w), (name = "internet", network = (allow = ["public", "private"]))],
  sockets = [(name = "http", address = "127.0.0.1:${PORT}", http = (), service = "w")],
);
const w :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2026-04-21",
  compatibilityFlags = ["enable_request_signal"],
  bindings = [(name = "UPSTREAM", text = "http://127.0.0.1:${PORT + 1}")],
);\n`);

const { subtle } = globalThis.crypto;
const keys = (await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
const msg = new Uint8Array(200);
const sig = await subtle.sign({ name: 'Ed25519' }, keys.privateKey, msg);
const upstream = createServer((req, res) => {
  if (req.url === '/busy') for (const end = performance.now() + BUSY_MS; performance.now() < end;);
  if (req.url === '/pooled') {
    void subtle.verify({ name: 'Ed25519' }, keys.publicKey, sig, msg).then(() => subtle.verify({ name: 'Ed25519' }, keys.publicKey, sig, msg));
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"role":"assistant"}\n\n');
  });
});
await new Promise<void>((r) => upstream.listen(PORT + 1, '127.0.0.1', r));
const workerd = spawn(join(process.cwd(), 'node_modules/workerd/bin/workerd'), ['serve', join(dir, 'probe.capnp')], { stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 2000));
const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 2 });
const BODY = JSON.stringify({ model: 'demo-llm', stream: true, max_tokens: 1, messages: [{ role: 'user', content: 'first chunk' }] });
const one = async (path: string): Promise<void> => {
  const res = await request(`http://127.0.0.1:${PORT}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY, dispatcher });
  for await (const _chunk of res.body);
};
for (let i = 0; i < 50; i++) await one('/plain');
const trace = join(dir, 'perf-trace.txt');
const tracer = spawn('perf', ['trace', '-o', trace, '-e', 'write,writev', '-p', String(workerd.pid)]);
await new Promise((r) => setTimeout(r, 1000));
for (let i = 0; i < N; i++) {
  for (const p of PATHS) {
    await one(p);
    await new Promise((r) => setTimeout(r, 5));
  }
}
tracer.kill('SIGINT');
await new Promise((r) => setTimeout(r, 500));

const gaps = new Map<string, number[]>();
// Head lengths tell the paths apart (the body is always 102 bytes).
const byLen: Record<string, string> = { '100': '/plain', '99': '/busy', '101': '/pooled' };
let head: { path: string; at: number } | null = null;
for (const line of (await readFile(trace, 'utf8')).split('\n')) {
  const m = /^\s*([\d.]+) .*write\(fd: \d+, buf: \S+, count: (\d+)\)/.exec(line);
  if (m === null) continue;
  const at = Number(m[1]);
  const path = byLen[m[2] ?? ''];
  if (path !== undefined) head = { path, at };
  else if (m[2] === '102' && head !== null) {
    gaps.set(head.path, [...(gaps.get(head.path) ?? []), at - head.at]);
    head = null;
  }
}
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.floor(p * xs.length)] ?? NaN;
for (const p of PATHS) {
  const xs = gaps.get(p) ?? [];
  process.stdout.write(`${p.padEnd(7)} n=${xs.length} head -> body p25 ${pct(xs, 0.25).toFixed(2)} p50 ${pct(xs, 0.5).toFixed(2)} p75 ${pct(xs, 0.75).toFixed(2)} ms\n`);
}
workerd.kill();
upstream.close();
await dispatcher.close();
await rm(dir, { recursive: true, force: true });
process.exit(0);
