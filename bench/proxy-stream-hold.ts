/**
 * Many SSE streams held through one proxy process for minutes: RSS while they are opened (its
 * slope is the marginal memory per stream, free of the fixed costs a single before/after
 * difference spreads over the streams) and over the hold (flat or not), with the drops the
 * clients saw. Same upstream as bench/proxy.ts (one event per second on every stream).
 *
 *   BENCH_STREAMS=4000 BENCH_HOLD_S=180 npx tsx bench/proxy-stream-hold.ts
 *
 * BENCH_STEPS (4): streams are opened in this many equal steps, one client process each;
 * BENCH_BATCH (50): connections each client opens per 20 ms.
 * BENCH_PROXY_NODE_ARGS (none): node/V8 flags for the proxy process only, space-separated
 * (e.g. `--max-semi-space-size=4`), to measure heap sizing against the defaults.
 * The proxy holds two sockets per stream: under a 20,000 open-file limit, at most ~9,900.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchUpstream, firstJsonLine, tsx } from './child-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STREAMS = Number(process.env['BENCH_STREAMS'] ?? 4000);
const HOLD_S = Number(process.env['BENCH_HOLD_S'] ?? 180);
const STEPS = Number(process.env['BENCH_STEPS'] ?? 4);
/** Connections opened per 20 ms by each client (a burst past the listen backlog gets resets). */
const BATCH = Number(process.env['BENCH_BATCH'] ?? 50);
const PROXY_NODE_ARGS = (process.env['BENCH_PROXY_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

interface Held {
  held: number;
  dropped: number;
  events: number;
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i += 1) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-bench-hold-'));
  const { upstream, endpointsFile } = await benchUpstream(dir);
  const proxy = spawn(process.execPath, [...PROXY_NODE_ARGS, '--import', 'tsx', join(ROOT, 'proxy/src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, PROXY_ID: 'bench', PROXY_PORT: '0', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: endpointsFile, PROXY_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const clients: ChildProcess[] = [];
  const latest = new Map<ChildProcess, Held>();
  try {
    const { url } = await firstJsonLine<{ url: string }>(proxy, (v) => v['msg'] === 'proxy ready');
    const pid = proxy.pid ?? 0;
    const sse = `${url}/v4/bench/app/sse`;
    const warm = tsx('bench/proxy/stream-hold-client.ts', [sse, '10']);
    await firstJsonLine(warm, (v) => 'ready' in v);
    warm.kill('SIGKILL');
    await sleep(2000);
    const xs = [0];
    const ys = [rssMb(pid)];
    const lines: string[] = [`| step | streams held | proxy RSS MB |`, '|---|---|---|', `| before | 0 | ${ys[0]?.toFixed(1)} |`];
    let opened = 0;
    let failed = 0;
    for (let s = 0; s < STEPS; s += 1) {
      const n = Math.floor(STREAMS / STEPS) + (s < STREAMS % STEPS ? 1 : 0);
      const c = tsx('bench/proxy/stream-hold-client.ts', [sse, String(n), String(BATCH)]);
      clients.push(c);
      createInterface({ input: c.stdout ?? process.stdin }).on('line', (line) => {
        try {
          const v = JSON.parse(line) as Partial<Held>;
          if (typeof v.held === 'number') latest.set(c, v as Held);
        } catch {
          /* not a report */
        }
      });
      const r = await firstJsonLine<{ ready: number; failed: number; errors: Record<string, number> }>(c, (v) => 'ready' in v);
      if (r.failed > 0) process.stderr.write(`step ${s + 1}: ${r.failed} failed ${JSON.stringify(r.errors)}\n`);
      opened += r.ready;
      failed += r.failed;
      await sleep(5000);
      xs.push(opened);
      ys.push(rssMb(pid));
      lines.push(`| open ${s + 1}/${STEPS} | ${opened} | ${ys[ys.length - 1]?.toFixed(1)} |`);
    }
    const perStream = (slope(xs, ys) * 1024).toFixed(1);
    const t0 = Date.now();
    const hold: string[] = ['| t (s) | proxy RSS MB | held | dropped | events received |', '|---|---|---|---|---|'];
    const samples: number[] = [];
    for (;;) {
      const t = Math.round((Date.now() - t0) / 1000);
      const all = [...latest.values()].reduce((a, v) => ({ held: a.held + v.held, dropped: a.dropped + v.dropped, events: a.events + v.events }), { held: 0, dropped: 0, events: 0 });
      const rss = rssMb(pid);
      samples.push(rss);
      hold.push(`| ${t} | ${rss.toFixed(1)} | ${all.held} | ${all.dropped} | ${all.events} |`);
      process.stderr.write(`${hold[hold.length - 1]}\n`);
      if (t >= HOLD_S) break;
      await sleep(Math.min(30_000, Math.max(1000, (HOLD_S * 1000) / 12)));
    }
    const min = Math.min(...samples);
    const max = Math.max(...samples);
    process.stdout.write(
      [
        `${opened}/${STREAMS} streams opened (${failed} failed), held ${HOLD_S} s; marginal RSS per stream while opening (least-squares slope): ${perStream} KB; RSS over the hold ${min.toFixed(1)}–${max.toFixed(1)} MB (first ${samples[0]?.toFixed(1)}, last ${samples[samples.length - 1]?.toFixed(1)})`,
        '',
        ...lines,
        '',
        ...hold,
        '',
      ].join('\n'),
    );
  } finally {
    for (const c of clients) c.kill('SIGKILL');
    proxy.kill('SIGKILL');
    upstream.kill('SIGTERM');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      process.stderr.write(`bench/proxy-stream-hold: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
