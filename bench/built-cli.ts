/**
 * `switchyard proxy --workers 2` run two ways, alternating: TypeScript through tsx's loader (as
 * `npm start` does) and the built CLI (`npm run build`, `node dist/main.mjs proxy`, as the images
 * and systemd units do). Per way: wall time from spawn to `proxy ready`, CPU time (user + sys) of
 * the primary, its workers and their children at that moment, each process's RSS after 400 small
 * requests, then the CPU time one 512 KiB body costs (its worker boots the body-parse thread for
 * it: from the file the build made, or from a bundle made on the spot with tsx's esbuild).
 *
 *   npx tsx bench/built-cli.ts [rounds=3]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildDist, ROOT } from '../control/build/build-dist.ts';
import { startReplica } from '../proxy/test/harness.ts';

const rounds = Number(process.argv[2] ?? 3);
const TICK_S = 100; // USER_HZ on Linux

interface ProcStat { readonly ppid: number; readonly cpuS: number; readonly rssMb: number }

async function procStat(pid: number): Promise<ProcStat | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { ppid: Number(f[1]), cpuS: (Number(f[11]) + Number(f[12])) / TICK_S, rssMb: rss / 1024 };
  } catch {
    return null;
  }
}

/** The primary and its direct children. */
async function group(primary: number): Promise<Array<{ pid: number } & ProcStat>> {
  const out: Array<{ pid: number } & ProcStat> = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    const s = await procStat(pid);
    if (s !== null && (pid === primary || s.ppid === primary)) out.push({ pid, ...s });
  }
  return out;
}

/** A chat whose body (~512 KiB) is parsed on the parse thread (bodies of 32 KiB or more are). */
const LARGE_BODY = JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'x '.repeat(256 * 1024) }], max_tokens: 2 });

async function chat(url: string, body: string): Promise<number> {
  const r = await fetch(`${url}/v4/acme/chat/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await r.arrayBuffer();
  return r.status;
}

/** CPU seconds of the primary and all its descendants (tsx's esbuild service processes too). */
async function cpuOf(primary: number): Promise<number> {
  const all: Array<{ pid: number } & ProcStat> = [];
  for (const d of await readdir('/proc')) {
    const s = /^\d+$/.test(d) ? await procStat(Number(d)) : null;
    if (s !== null) all.push({ pid: Number(d), ...s });
  }
  const tree = new Set([primary]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (tree.has(p.pid) || !tree.has(p.ppid)) continue;
      tree.add(p.pid);
      grew = true;
    }
  }
  return all.filter((p) => tree.has(p.pid)).reduce((sum, p) => sum + p.cpuS, 0);
}

async function run(command: readonly string[], endpointsFile: string): Promise<{ readyMs: number; cpuS: number; largeBodyCpuS: number; primaryMb: number; workerMb: number[] }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...command], {
    cwd: ROOT,
    env: { ...process.env, PROXY_ID: 'bench', PROXY_PORT: '0', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: endpointsFile, PROXY_LOG_LEVEL: 'info', PROXY_WORKERS: '2' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as { msg?: string; url?: string };
      if (m.msg === 'proxy ready' && m.url !== undefined) resolve(m.url);
    });
    void exited.then(() => reject(new Error('proxy exited before it was ready')));
  });
  const readyMs = performance.now() - t0;
  const pid = child.pid ?? 0;
  const cpuS = await cpuOf(pid);
  const small = JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
  for (let i = 0; i < 400; i += 1) {
    const status = await chat(url, small);
    if (status !== 200) throw new Error(`request ${i}: ${status}`);
  }
  const g = await group(pid);
  // After the small ones, so the request path is warm and the difference is the thread's boot.
  const beforeLarge = await cpuOf(pid);
  const large = await chat(url, LARGE_BODY);
  if (large !== 200) throw new Error(`large body: ${large}`);
  const largeBodyCpuS = (await cpuOf(pid)) - beforeLarge;
  child.kill('SIGTERM');
  await exited;
  return {
    readyMs,
    cpuS,
    largeBodyCpuS,
    primaryMb: g.find((p) => p.pid === pid)?.rssMb ?? NaN,
    workerMb: g.filter((p) => p.pid !== pid).map((p) => p.rssMb),
  };
}

const sim = await startReplica('c1', 'r0');
const dir = await mkdtemp(join(tmpdir(), 'sy-built-cli-'));
const endpointsFile = join(dir, 'endpoints.json');
// A managed-stream app: its request bodies are parsed (on the thread from 32 KiB).
await writeFile(endpointsFile, JSON.stringify({ endpoints: [{ app: 'acme/chat', cluster: 'c1', url: sim.url }], apps: [{ id: 'acme/chat', requests: { streams: { continuation: true } } }] }));
await mkdir(join(ROOT, '.switchyard'), { recursive: true });
const dist = await buildDist(await mkdtemp(join(ROOT, '.switchyard', 'dist-bench-')));
console.log(`built ${dist.files} files in ${Math.round(dist.ms)} ms`);
const ways = {
  tsx: ['--import', 'tsx', 'control/cli/main.ts', 'proxy'],
  dist: [dist.entry, 'proxy'],
} as const;
console.log('| round | way | spawn → ready ms | CPU s at ready (3 processes and their children) | CPU s of the first 512 KiB body (after 400 small) | primary RSS MB | worker RSS MB (after 400 requests) |');
console.log('|---|---|---:|---:|---:|---:|---|');
try {
  for (let r = 1; r <= rounds; r += 1) {
    for (const [way, command] of Object.entries(ways)) {
      const m = await run(command, endpointsFile);
      console.log(`| ${r} | ${way} | ${Math.round(m.readyMs)} | ${m.cpuS.toFixed(2)} | ${m.largeBodyCpuS.toFixed(2)} | ${m.primaryMb.toFixed(1)} | ${m.workerMb.map((x) => x.toFixed(1)).join(' / ')} |`);
    }
  }
} finally {
  await sim.close();
  await rm(dist.outDir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
}
