/**
 * GC cost of the regional proxy's hot path: one upstream, one Switchyard proxy per variant of
 * Node flags (all up at once, same source tree), short closed-loop runs alternating between
 * them (order flipped each round). Each proxy runs with `--trace-gc`; the GC lines printed
 * during a measured run are counted, so every variant reports scavenges and mark-compacts per
 * 10k requests, their total and largest pause, next to added p50/p99 and CPU per request.
 *
 *   BENCH_VARIANTS='|--max-semi-space-size=32' BENCH_ROUNDS=7 BENCH_SECONDS=1.5 npx tsx bench/proxy-gc.ts
 *
 * BENCH_VARIANTS: `|`-separated Node argument lists (empty = Node's defaults). BENCH_VARIANT_ENV:
 * `|`-separated `K=V,K=V` lists, one per variant, added to that proxy's environment.
 * BENCH_CONNS (default `1,32`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { benchUpstream } from './child-process.ts';
import { alternateRounds, emptySamples, median, pushSample, range, samplesAt, type Samples } from './proxy/alternating-rounds.ts';
import { closedLoop } from './proxy/load.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const variants = (env['BENCH_VARIANTS'] ?? '|--max-semi-space-size=32').split('|');
const variantEnv = (env['BENCH_VARIANT_ENV'] ?? '').split('|');
const rounds = Number(env['BENCH_ROUNDS'] ?? 5);
const seconds = Number(env['BENCH_SECONDS'] ?? 2);
const conns = (env['BENCH_CONNS'] ?? '1,32').split(',').map(Number);

interface Gc { scavenges: number; markCompacts: number; pauseMs: number; maxPauseMs: number }
interface GcSamples extends Samples { scav10k: number[]; mc10k: number[]; pause10k: number[]; maxPause: number[]; reqs: number[] }
interface Target { name: string; child: ChildProcess; url: string; gc: Gc; by: Map<number, GcSamples> }

// `[pid:0x…]   1234 ms: Scavenge 5.2 (7.0) -> 4.3 (8.0) MB, 0.85 / 0.00 ms  (…)`
const GC_LINE = /ms: (Scavenge|Mark-Compact|Mark-sweep)[^,]*, ([\d.]+) \/ [\d.]+ ms/;

function parseEnv(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (s ?? '').split(',').filter((x) => x !== '')) {
    const i = kv.indexOf('=');
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

async function start(name: string, args: string[], extraEnv: Record<string, string>, endpoints: string): Promise<Target> {
  const child = spawn(process.execPath, [...args, '--trace-gc', '--import', 'tsx', join(ROOT, 'proxy/src/server.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...env, ...extraEnv, PROXY_ID: 'bench', PROXY_PORT: '0', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: endpoints, PROXY_LOG_LEVEL: 'silent', PROXY_WORKERS: '1' },
  });
  const gc: Gc = { scavenges: 0, markCompacts: 0, pauseMs: 0, maxPauseMs: 0 };
  const url = await new Promise<string>((resolve, reject) => {
    if (child.stdout === null) return reject(new Error('no stdout'));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = GC_LINE.exec(line);
      if (m !== null) {
        const ms = Number(m[2]);
        if (m[1] === 'Scavenge') gc.scavenges += 1;
        else gc.markCompacts += 1;
        gc.pauseMs += ms;
        gc.maxPauseMs = Math.max(gc.maxPauseMs, ms);
        return;
      }
      if (line.includes('"proxy ready"')) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`proxy ${name} exited with ${code}`)));
  });
  return { name, child, url, gc, by: new Map() };
}

async function main(): Promise<void> {
  const { upstream, port, endpointsFile } = await benchUpstream(mkdtempSync(join(tmpdir(), 'sy-proxy-gc-')));
  const direct = `http://127.0.0.1:${port}`;
  const targets: Target[] = [];
  for (const [i, v] of variants.entries()) {
    const args = v.split(' ').filter((a) => a !== '');
    const e = parseEnv(variantEnv[i]);
    targets.push(await start(`${args.join(' ') || '(defaults)'}${Object.keys(e).length > 0 ? ` ${JSON.stringify(e)}` : ''}`, args, e, endpointsFile));
  }
  let loads: number[] = [];
  try {
    let before: Gc | null = null;
    loads = await alternateRounds(
      targets,
      { label: (t) => t.name, direct, conns, rounds, seconds },
      async (t, c) => {
        before = { ...t.gc };
        const x = await closedLoop(t.url, '/v4/bench/app/small', c, 500, seconds * 1000, t.child.pid === undefined ? [] : [t.child.pid]);
        // Let the last trace lines arrive before reading the counters.
        await new Promise((res) => setTimeout(res, 50));
        return x;
      },
      (t, c, r) => {
        const b = before ?? t.gc;
        // GC lines are counted over warm-up + measurement and scaled by the requests of both.
        const total = r.x.requests * ((seconds * 1000 + 500) / (seconds * 1000));
        const per10k = (n: number): number => (n / Math.max(1, total)) * 10_000;
        const s = samplesAt(t.by, c, () => ({ ...emptySamples(), scav10k: [], mc10k: [], pause10k: [], maxPause: [], reqs: [] }));
        pushSample(s, r);
        s.scav10k.push(per10k(t.gc.scavenges - b.scavenges));
        s.mc10k.push(per10k(t.gc.markCompacts - b.markCompacts));
        s.pause10k.push(per10k(t.gc.pauseMs - b.pauseMs));
        s.maxPause.push(t.gc.maxPauseMs);
        s.reqs.push(r.x.requests);
      },
    );
  } finally {
    for (const t of targets) t.child.kill('SIGTERM');
    upstream.kill('SIGTERM');
  }
  process.stdout.write('| variant | c | added p50 / p99 ms (c=1) or p50 / p99 | req/s (spread) | CPU µs/req | scavenges / 10k req | mark-compacts / 10k req | GC pause ms / 10k req | largest pause ms |\n|---|---|---|---|---|---|---|---|---|\n');
  for (const t of targets) {
    for (const [c, s] of t.by) {
      process.stdout.write(
        `| ${t.name} | ${c} | ${median(s.added50).toFixed(3)} / ${median(s.added99).toFixed(3)} | ${median(s.rps).toFixed(0)} (${range(s.rps)}) | ${median(s.cpu).toFixed(0)} | ` +
          `${median(s.scav10k).toFixed(1)} | ${median(s.mc10k).toFixed(2)} | ${median(s.pause10k).toFixed(1)} | ${Math.max(...s.maxPause).toFixed(2)} |\n`,
      );
    }
  }
  process.stdout.write(`load average (1 min) during the runs: ${range(loads, 1)}, median ${median(loads).toFixed(1)}\n`);
}

await main();
process.exit(0);
