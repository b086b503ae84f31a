/**
 * How much could a lighter server path buy (issue 16 #3)? One upstream, the Switchyard proxy,
 * and two floor proxies with none of Switchyard's logic (bench/proxy/floor-proxy.ts: Node's HTTP
 * server + undici, and a raw `net` path), all up at once; short closed-loop runs alternate between
 * them (order flipped each round) so each sees the same window of other load. Prints medians of
 * added p50/p99 (c=1), req/s and proxy CPU per request, and the load average.
 *
 *   BENCH_ROUNDS=7 BENCH_SECONDS=1.5 npx tsx bench/proxy-floor.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { benchUpstream, firstJsonLine, tsx } from './child-process.ts';
import { alternateRounds, emptySamples, median, range, pushSample, samplesAt, type Samples } from './proxy/alternating-rounds.ts';
import { closedLoop } from './proxy/load.ts';

const env = process.env;
const rounds = Number(env['BENCH_ROUNDS'] ?? 5);
const seconds = Number(env['BENCH_SECONDS'] ?? 2);
const conns = (env['BENCH_CONNS'] ?? '1,32').split(',').map(Number);

interface Target { name: string; child: ChildProcess; url: string; path: string; by: Map<number, Samples> }


async function main(): Promise<void> {
  const { upstream, port, endpointsFile } = await benchUpstream(mkdtempSync(join(tmpdir(), 'sy-proxy-floor-')));
  const direct = `http://127.0.0.1:${port}`;
  const targets: Target[] = [];
  const sy = tsx('proxy/src/server.ts', [], { PROXY_ID: 'bench', PROXY_PORT: '0', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: endpointsFile, PROXY_LOG_LEVEL: 'silent', PROXY_WORKERS: '1' });
  const { url } = await firstJsonLine<{ url: string }>(sy, (v) => v['msg'] === 'proxy ready');
  targets.push({ name: 'switchyard', child: sy, url, path: '/v4/bench/app/small', by: new Map() });
  for (const mode of ['http-undici', 'raw-net']) {
    const child = tsx('bench/proxy/floor-proxy.ts', [], { FLOOR_MODE: mode, FLOOR_UPSTREAM: direct });
    const { port: p } = await firstJsonLine<{ port: number }>(child, (v) => 'port' in v);
    targets.push({ name: `floor ${mode}`, child, url: `http://127.0.0.1:${p}`, path: '/', by: new Map() });
  }
  let loads: number[] = [];
  try {
    loads = await alternateRounds(
      targets,
      { label: (t) => t.name, direct, conns, rounds, seconds },
      (t, c) => closedLoop(t.url, t.path, c, 500, seconds * 1000, t.child.pid === undefined ? [] : [t.child.pid]),
      (t, c, r) => pushSample(samplesAt(t.by, c, emptySamples), r),
    );
  } finally {
    for (const t of targets) t.child.kill('SIGTERM');
    upstream.kill('SIGTERM');
  }
  process.stdout.write('| target | c | added p50 / p99 ms (c=1) or p50 / p99 | req/s (spread) | CPU µs/req (spread) |\n|---|---|---|---|---|\n');
  for (const t of targets) {
    for (const [c, s] of t.by) {
      process.stdout.write(`| ${t.name} | ${c} | ${median(s.added50).toFixed(3)} / ${median(s.added99).toFixed(3)} | ${median(s.rps).toFixed(0)} (${range(s.rps)}) | ${median(s.cpu).toFixed(0)} (${range(s.cpu)}) |\n`);
    }
  }
  process.stdout.write(`load average (1 min) during the runs: ${range(loads, 1)}, median ${median(loads).toFixed(1)}\n`);
}

await main();
process.exit(0);
