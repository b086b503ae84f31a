/**
 * What tracing costs the regional proxy: the same upstream reached directly, through a proxy
 * with tracing off (no OTLP endpoint), and through one with every request sampled (ratio 1,
 * spans exported to a discarding OTLP/HTTP sink in its own process). Each proxy is its own Node
 * process; rounds alternate so machine noise hits both alike. GET with a 2-byte answer, as in
 * bench/proxy.ts, so the span machinery (server + admission + attempt span, export) dominates.
 *
 *   npx tsx bench/proxy-tracing.ts        (BENCH_SECONDS=3 BENCH_ROUNDS=2 to tune)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { closedLoop, type LoadResult } from './proxy/load.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);

const SINK = `
const http = require('node:http');
let spans = 0;
const s = http.createServer((req, res) => {
  let n = 0;
  req.on('data', (c) => (n += c.length));
  req.on('end', () => { spans += 1; res.writeHead(200, { 'content-type': 'application/json' }).end('{}'); });
});
s.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: s.address().port }) + '\\n'));
process.on('SIGTERM', () => { process.stderr.write('otlp sink: ' + spans + ' export requests\\n'); process.exit(0); });
`;

function child(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

function firstJson<T>(c: ChildProcess, accept: (v: Record<string, unknown>) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    if (c.stdout === null) return reject(new Error('no stdout'));
    createInterface({ input: c.stdout }).on('line', (line) => {
      try {
        const v = JSON.parse(line) as Record<string, unknown>;
        if (accept(v)) resolve(v as T);
      } catch {
        /* not ours */
      }
    });
    c.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function proxy(endpointsFile: string, otlp: Record<string, string>): Promise<{ c: ChildProcess; url: string }> {
  const c = child(['--import', 'tsx', join(ROOT, 'proxy/src/server.ts')], {
    PROXY_ID: 'bench',
    PROXY_PORT: '0',
    PROXY_AUTH_DISABLED: 'true',
    PROXY_ENDPOINTS_FILE: endpointsFile,
    PROXY_LOG_LEVEL: 'silent',
    ...otlp,
  });
  const { url } = await firstJson<{ url: string }>(c, (v) => v['msg'] === 'proxy ready');
  return { c, url };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-bench-tracing-'));
  const upstream = child(['--import', 'tsx', join(ROOT, 'bench/proxy/upstream.ts')]);
  const sink = child(['-e', SINK]);
  const [{ port: upPort }, { port: sinkPort }] = await Promise.all([
    firstJson<{ port: number }>(upstream, (v) => 'port' in v),
    firstJson<{ port: number }>(sink, (v) => 'port' in v),
  ]);
  const upOrigin = `http://127.0.0.1:${upPort}`;
  const endpointsFile = join(dir, 'endpoints.json');
  await writeFile(endpointsFile, JSON.stringify({ endpoints: [{ cluster: 'c1', app: 'bench/app', url: upOrigin }], apps: [{ id: 'bench/app', requests: { functions: ['*'] } }] }));
  const off = await proxy(endpointsFile, {});
  const sinkUrl = `http://127.0.0.1:${sinkPort}/v1/traces`;
  const on = await proxy(endpointsFile, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER_ARG: '1' });
  const tenth = await proxy(endpointsFile, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER_ARG: '0.1' });
  const targets: Array<[string, string, string]> = [
    ['direct', upOrigin, '/'],
    ['tracing off', off.url, '/v4/bench/app/small'],
    ['tracing on (ratio 1)', on.url, '/v4/bench/app/small'],
    ['tracing on (ratio 0.1)', tenth.url, '/v4/bench/app/small'],
  ];
  const rows: Record<string, { c1: LoadResult[]; c32: LoadResult[] }> = Object.fromEntries(targets.map(([n]) => [n, { c1: [], c32: [] }]));
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, origin, path] of targets) {
        process.stdout.write(`round ${r + 1}: ${name}…\n`);
        rows[name]?.c1.push(await closedLoop(origin, path, 1, 1000, SECONDS * 1000));
        rows[name]?.c32.push(await closedLoop(origin, path, 32, 1000, SECONDS * 1000));
      }
    }
  } finally {
    for (const c of [upstream, sink, off.c, on.c, tenth.c]) c.kill('SIGTERM');
  }
  const d = rows['direct'];
  const lines = [
    `| target | c=1 p50 ms | c=1 p99 ms | added p50 (c=1) | c=1 req/s | c=32 p50 ms | c=32 p99 ms | added p50 (c=32) | c=32 req/s |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, v] of Object.entries(rows)) {
    const m = (xs: LoadResult[], k: 'p50Ms' | 'p99Ms' | 'rps'): number => median(xs.map((x) => x[k]));
    const add = (xs: LoadResult[], base: LoadResult[] | undefined): string => (name === 'direct' || base === undefined ? '—' : (m(xs, 'p50Ms') - m(base, 'p50Ms')).toFixed(3));
    lines.push(`| ${name} | ${m(v.c1, 'p50Ms').toFixed(3)} | ${m(v.c1, 'p99Ms').toFixed(3)} | ${add(v.c1, d?.c1)} | ${m(v.c1, 'rps').toFixed(0)} | ${m(v.c32, 'p50Ms').toFixed(3)} | ${m(v.c32, 'p99Ms').toFixed(3)} | ${add(v.c32, d?.c32)} | ${m(v.c32, 'rps').toFixed(0)} |`);
  }
  const errors = Object.entries(rows).flatMap(([n, v]) => [...v.c1, ...v.c32].filter((x) => x.errors > 0).map((x) => `${n}: ${x.errors}`));
  process.stdout.write(`\n${lines.join('\n')}\n${errors.length > 0 ? `errors: ${errors.join(', ')}\n` : ''}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
