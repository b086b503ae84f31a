/**
 * A/B of the regional proxy's hot path on a shared machine: one upstream, one Switchyard proxy
 * per source tree (e.g. an exported older commit next to this worktree), all up at once, and
 * short closed-loop runs alternating between them (the order flips each round) so every tree
 * sees the same window of other load. Prints the median of each figure over the rounds, every
 * round's req/s, and the load average during the runs.
 *
 *   git archive <commit> | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/node_modules
 *   BENCH_ROOTS=/tmp/base,$PWD BENCH_ROUNDS=7 BENCH_SECONDS=1.5 npx tsx bench/proxy-ab.ts
 *
 * A root named `dist` is this tree's built CLI (`npm run build`'s code: `node dist/main.mjs proxy`,
 * as the images run it), e.g. BENCH_ROOTS=$PWD,dist compares it with the TypeScript through tsx.
 *
 * BENCH_CONNS (default `1,32`), BENCH_WORKERS (PROXY_WORKERS of every proxy, default 1),
 * BENCH_PROXY_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDist } from '../control/build/build-dist.ts';
import { firstJsonLine, tsx } from './child-process.ts';
import { alternateRounds, emptySamples, median, pushSample, samplesAt, type Samples } from './proxy/alternating-rounds.ts';
import { closedLoop } from './proxy/load.ts';

const HERE = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const roots = (env['BENCH_ROOTS'] ?? HERE).split(',');
const rounds = Number(env['BENCH_ROUNDS'] ?? 5);
const seconds = Number(env['BENCH_SECONDS'] ?? 2);
const conns = (env['BENCH_CONNS'] ?? '1,32').split(',').map(Number);
const nodeArgs = (env['BENCH_PROXY_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');

interface Target { root: string; child: ChildProcess; url: string; by: Map<number, Samples>; builtDir: string | null }


/** The proxy and, with several workers, its forked children (CPU is summed over them). */
function pids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return [pid, ...execFileSync('pgrep', ['-P', String(pid)]).toString().split('\n').filter((l) => l !== '').map(Number)];
  } catch {
    return [pid];
  }
}

async function main(): Promise<void> {
  const upstream = tsx('bench/proxy/upstream.ts', []);
  const { port } = await firstJsonLine<{ port: number }>(upstream, (v) => 'port' in v);
  const direct = `http://127.0.0.1:${port}`;
  const endpoints = join(mkdtempSync(join(tmpdir(), 'sy-proxy-ab-')), 'endpoints.json');
  writeFileSync(endpoints, JSON.stringify({ endpoints: [{ cluster: 'c1', app: 'bench/app', url: direct }], apps: [{ id: 'bench/app', requests: { functions: ['*'] } }] }));
  const targets: Target[] = [];
  mkdirSync(join(HERE, '.switchyard'), { recursive: true });
  for (const root of roots) {
    const built = root === 'dist' ? await buildDist(await mkdtemp(join(HERE, '.switchyard', 'dist-ab-'))) : null;
    const command = built === null ? ['--import', 'tsx', join(root, 'proxy/src/server.ts')] : [built.entry, 'proxy'];
    const child = spawn(process.execPath, [...nodeArgs, ...command], {
      cwd: built === null ? root : HERE,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...env, PROXY_ID: 'bench', PROXY_PORT: '0', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: endpoints, PROXY_LOG_LEVEL: 'silent', PROXY_WORKERS: env['BENCH_WORKERS'] ?? '1' },
    });
    const { url } = await firstJsonLine<{ url: string }>(child, (v) => v['msg'] === 'proxy ready');
    targets.push({ root, child, url, by: new Map(), builtDir: built?.outDir ?? null });
  }
  let loads: number[] = [];
  try {
    loads = await alternateRounds(
      targets,
      { label: (t) => t.root, direct, conns, rounds, seconds },
      (t, c) => closedLoop(t.url, '/v4/bench/app/small', c, 500, seconds * 1000, pids(t.child.pid)),
      (t, c, r) => pushSample(samplesAt(t.by, c, emptySamples), r),
    );
  } finally {
    for (const t of targets) t.child.kill('SIGTERM');
    upstream.kill('SIGTERM');
    for (const t of targets) if (t.builtDir !== null) rmSync(t.builtDir, { recursive: true, force: true });
  }
  for (const t of targets) {
    for (const [c, s] of t.by) {
      const what = c === 1 ? 'added p50 / p99' : 'p50 / p99';
      process.stdout.write(
        `${t.root} c=${c}: ${what} ${median(s.added50).toFixed(3)} / ${median(s.added99).toFixed(3)} ms, ` +
          `${median(s.rps).toFixed(0)} req/s, ${median(s.cpu).toFixed(0)} µs CPU/req (medians; req/s per round: ${s.rps.map((v) => v.toFixed(0)).join(' ')})\n`,
      );
    }
  }
  process.stdout.write(`load average (1 min) during the runs: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}, median ${median(loads).toFixed(1)}\n`);
}

await main();
process.exit(0);
