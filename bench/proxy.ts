/**
 * Regional proxy benchmark: the same upstream (a minimal Node HTTP server in
 * its own process) reached directly, through our proxy, through nginx and
 * through HAProxy (each proxy its own process: one Node process / one nginx
 * worker / one HAProxy thread). Measures added p50/p99 latency and throughput
 * with closed loops at 1 and 32 connections, and memory per held SSE stream.
 * Our proxy runs as production runs it: the CLI is built once at the start (`npm run build`'s
 * code, into .switchyard/dist-bench-*, removed at the end) and started as `node <dist>/main.mjs proxy`.
 *
 *   npx tsx bench/proxy.ts          (BENCH_STREAMS=8000 BENCH_SECONDS=4 to tune)
 *
 * While iterating: BENCH_TARGETS=direct,switchyard runs only those rows and
 * then leaves BENCHMARKS.md alone (a full run appends its table as a new dated subsection at the
 * end of "## Regional proxy", never replacing earlier runs or notes); BENCH_PROXY_NODE_ARGS (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof`) is passed to the Switchyard proxy's node.
 * BENCH_WORKERS=N runs every proxy with N workers: Switchyard PROXY_WORKERS=N (node:cluster),
 * nginx `worker_processes N`, HAProxy `nbthread N` (default 1 each).
 *
 * Streams: the target was 10k, but the open-file limit is 20 000 per process
 * and a proxy holds two sockets per stream (client + upstream), so we hold
 * 8 000 (16 000 fds + overhead) from a separate client process.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withRunAppended } from './proxy/benchmarks-section.ts';
import { closedLoop, type LoadResult } from './proxy/load.ts';
import { childPids, ensureInstalled, startHaproxy, startNginx, type Started } from './proxy/third-party.ts';
import { buildDist } from '../control/build/build-dist.ts';
import { freePort } from '../control/dev/free-port.ts';
import { builtCli, firstJsonLine, tsx } from './child-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STREAMS = Number(process.env['BENCH_STREAMS'] ?? 8000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const TARGETS = (process.env['BENCH_TARGETS'] ?? '').split(',').filter((t) => t !== '');
const wanted = (name: string): boolean => TARGETS.length === 0 || TARGETS.includes(name);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 1);
if (!Number.isInteger(WORKERS) || WORKERS < 1) throw new Error(`BENCH_WORKERS must be a whole number ≥ 1, got ${process.env['BENCH_WORKERS']}`);
const PROXY_NODE_ARGS = (process.env['BENCH_PROXY_NODE_ARGS'] ?? '')
  .split(' ')
  .filter((a) => a !== '');

interface TargetResult {
  readonly name: string;
  readonly c1: LoadResult;
  readonly c32: LoadResult;
  readonly memory: {
    streams: number;
    ready: number;
    rssBeforeMb: number;
    rssAfterMb: number;
    kbPerStream: number;
  } | null;
}

function rssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function holdStreams(url: string, pids: () => number[]): Promise<TargetResult['memory']> {
  await sleep(500);
  const before = rssMb(pids());
  const client = tsx('bench/proxy/stream-client.ts', [url, String(STREAMS)]);
  const { ready } = await firstJsonLine<{ ready: number; failed: number }>(
    client,
    (v) => 'ready' in v,
  );
  await sleep(2500); // a few ticks through every stream, so buffers are in steady state
  const after = rssMb(pids());
  client.kill('SIGKILL');
  await sleep(1500);
  return {
    streams: STREAMS,
    ready,
    rssBeforeMb: before,
    rssAfterMb: after,
    kbPerStream: ready > 0 ? ((after - before) * 1024) / ready : NaN,
  };
}

async function measure(
  name: string,
  origin: string,
  path: string,
  ssePath: string | null,
  pids: () => number[],
): Promise<TargetResult> {
  process.stdout.write(`  ${name}: 1 connection…`);
  const c1 = await closedLoop(origin, path, 1, 1000, SECONDS * 1000, pids());
  process.stdout.write(' 32 connections…');
  const c32 = await closedLoop(origin, path, 32, 1000, SECONDS * 1000, pids());
  process.stdout.write(ssePath === null ? '\n' : ` ${STREAMS} SSE streams…\n`);
  const memory = ssePath === null ? null : await holdStreams(`${origin}${ssePath}`, pids);
  return { name, c1, c32, memory };
}

export async function run(): Promise<TargetResult[]> {
  // Our proxy as the images and systemd units run it: the built CLI (`node dist/main.mjs proxy`),
  // not TypeScript through tsx's loader (~1 s more CPU and ~37 MB more per process).
  await mkdir(join(ROOT, '.switchyard'), { recursive: true });
  const dist = await buildDist(await mkdtemp(join(ROOT, '.switchyard', 'dist-bench-')));
  try {
    return await runAgainst(dist.entry);
  } finally {
    await rm(dist.outDir, { recursive: true, force: true });
  }
}

/** Every target measured, our proxy started from the built CLI at `cli`. */
async function runAgainst(cli: string): Promise<TargetResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-bench-proxy-'));
  const upstream = tsx('bench/proxy/upstream.ts', []);
  const { port: upPort } = await firstJsonLine<{ port: number }>(upstream, (v) => 'port' in v);
  const upOrigin = `http://127.0.0.1:${upPort}`;
  const endpointsFile = join(dir, 'endpoints.json');
  writeFileSync(
    endpointsFile,
    // Declared functions: `*` (the canonical path parser needs a non-empty function).
    JSON.stringify({
      endpoints: [{ cluster: 'c1', app: 'bench/app', url: upOrigin }],
      apps: [{ id: 'bench/app', requests: { functions: ['*'] } }],
    }),
  );
  const ours = builtCli(
    cli,
    ['proxy'],
    {
      PROXY_ID: 'bench',
      PROXY_PORT: '0',
      PROXY_AUTH_DISABLED: 'true',
      PROXY_ENDPOINTS_FILE: endpointsFile,
      PROXY_LOG_LEVEL: 'silent',
      PROXY_WORKERS: String(WORKERS),
    },
    PROXY_NODE_ARGS,
  );
  const { url: oursUrl } = await firstJsonLine<{ url: string }>(
    ours,
    (v) => v['msg'] === 'proxy ready',
  );
  const results: TargetResult[] = [];
  const notes: string[] = [];
  const stop: Array<() => void> = [() => upstream.kill('SIGTERM'), () => ours.kill('SIGTERM')];
  try {
    if (wanted('direct')) results.push(await measure('direct', upOrigin, '/', null, () => []));
    if (wanted('switchyard'))
      results.push(
        await measure('switchyard', oursUrl, '/v4/bench/app/small', '/v4/bench/app/sse', () =>
          // Several workers: the primary and its forked workers (RSS and CPU are summed).
          ours.pid === undefined ? [] : [ours.pid, ...childPids(ours.pid)],
        ),
      );
    const thirdParty = [
      { name: 'nginx', start: startNginx },
      { name: 'haproxy', start: startHaproxy },
    ].filter((t) => wanted(t.name));
    const note = thirdParty.length === 0 ? null : ensureInstalled();
    if (note !== null) notes.push(note);
    else {
      for (const { start } of thirdParty) {
        let p: Started | null = null;
        try {
          p = await start(dir, await freePort(), upPort, WORKERS);
          const proxy = p;
          results.push(await measure(proxy.name, proxy.origin, '/', '/sse', () => proxy.pids()));
        } catch (err) {
          notes.push(`${start.name}: ${err instanceof Error ? err.message : String(err)}; skipped`);
        } finally {
          p?.stop();
        }
      }
    }
  } finally {
    for (const s of stop) s();
  }
  const table = report(results, notes);
  process.stdout.write(`\n${table}\n`);
  if (TARGETS.length === 0) writeSection(table);
  return results;
}

function f(n: number, digits = 3): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

function cpu(r: LoadResult): string {
  return r.cpuUsPerRequest === null ? '—' : f(r.cpuUsPerRequest, 0);
}

function report(results: TargetResult[], notes: string[]): string {
  const direct = results.find((r) => r.name === 'direct');
  const lines = [
    `### Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Command: \`npx tsx bench/proxy.ts\` (BENCH_SECONDS=${SECONDS}, BENCH_STREAMS=${STREAMS}); ` +
      `2-core VM, Node ${process.version}, loopback. Upstream: minimal Node HTTP server (own process). ` +
      (WORKERS === 1
        ? 'Each proxy is one process (Switchyard: one Node process of the built CLI, access logs off, auth disabled; nginx: 1 worker; HAProxy: nbthread 1); '
        : `Each proxy runs ${WORKERS} workers (Switchyard: the built CLI, BENCH_WORKERS=${WORKERS}, PROXY_WORKERS=${WORKERS} node:cluster processes, access logs off, auth disabled; nginx: worker_processes ${WORKERS}; HAProxy: nbthread ${WORKERS}); `) +
      'the load client is a ' +
      'closed loop of undici requests in the bench process (GET, 2-byte body, keep-alive). "Added" = p50/p99 minus direct.',
    '',
    '| target | c=1 p50 ms | c=1 p99 ms | added p50 / p99 (c=1) | c=1 req/s | c=32 p50 ms | c=32 p99 ms | added p50 / p99 (c=32) | c=32 req/s | proxy CPU µs/req (c=1 / c=32) | KB per held SSE stream |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const add = (a: LoadResult, d: LoadResult | undefined): string =>
      d === undefined || r.name === 'direct'
        ? '—'
        : `${f(a.p50Ms - d.p50Ms)} / ${f(a.p99Ms - d.p99Ms)}`;
    const mem =
      r.memory === null
        ? '—'
        : `${f(r.memory.kbPerStream, 1)} (${r.memory.ready}/${r.memory.streams} streams, RSS ${f(r.memory.rssBeforeMb, 0)}→${f(r.memory.rssAfterMb, 0)} MB)`;
    lines.push(
      `| ${r.name} | ${f(r.c1.p50Ms)} | ${f(r.c1.p99Ms)} | ${add(r.c1, direct?.c1)} | ${f(r.c1.rps, 0)} | ${f(r.c32.p50Ms)} | ${f(r.c32.p99Ms)} | ${add(r.c32, direct?.c32)} | ${f(r.c32.rps, 0)} | ${cpu(r.c1)} / ${cpu(r.c32)} | ${mem} |`,
    );
  }
  lines.push('');
  lines.push(
    `Streams: target 10k, held ${STREAMS} because the open-file limit is 20 000 per process and a proxy holds two sockets per stream; ` +
      'the SSE client runs in its own process, one socket per stream, and the upstream writes one event per second to each. ' +
      'Memory = RSS of the proxy process(es) with the streams open minus before. The client, the upstream and the proxy share 2 cores, ' +
      'so absolute req/s are low; compare rows, not machines. Proxy CPU = user + system time of the proxy process(es) during the measured ' +
      'window divided by the requests served in it (less sensitive to other load on the machine than req/s).',
  );
  const errs = results
    .filter((r) => r.c1.errors + r.c32.errors > 0)
    .map((r) => `${r.name}: ${r.c1.errors + r.c32.errors} errors`);
  if (errs.length > 0) lines.push('', `Errors during load: ${errs.join('; ')}.`);
  for (const n of notes) lines.push('', `Note: ${n}`);
  return lines.join('\n');
}

/** Record the run in BENCHMARKS.md without touching what is already there. */
function writeSection(run: string): void {
  const path = join(ROOT, 'BENCHMARKS.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  writeFileSync(path, withRunAppended(text, run));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      process.stderr.write(
        `bench/proxy: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    });
}
