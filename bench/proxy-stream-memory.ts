/**
 * Where the bytes of a held SSE stream go in the regional proxy: the same upstream and SSE
 * client as bench/proxy.ts, one proxy process started with `--heapsnapshot-signal`, a V8 heap
 * snapshot with no streams and one with N idle streams held, and the difference grouped by
 * constructor (sockets, parsers, undici requests, our closures, buffers). Also RSS per stream.
 *
 *   npx tsx bench/proxy-stream-memory.ts          (BENCH_STREAMS=3000, BENCH_TOP=30 to tune)
 *
 * Prints a table; writes nothing. Snapshots go to a temp dir and are deleted unless
 * BENCH_KEEP_SNAPSHOTS=1 (then their paths are printed, for DevTools' comparison view).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchUpstream, firstJsonLine, tsx } from './child-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STREAMS = Number(process.env['BENCH_STREAMS'] ?? 3000);
const TOP = Number(process.env['BENCH_TOP'] ?? 30);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

interface Group {
  count: number;
  bytes: number;
}

/** Self size per "type:name" (objects by constructor, closures by function name, strings, native). */
function groups(file: string): Map<string, Group> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const out = new Map<string, Group>();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType] ?? 0] ?? '?';
    const rawName = snap.strings[snap.nodes[i + iName] ?? 0] ?? '?';
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : rawName.slice(0, 60);
    const key = `${type}:${name}`;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += snap.nodes[i + iSize] ?? 0;
    out.set(key, g);
  }
  return out;
}

async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 600; i += 1) {
    await sleep(500);
    const added = readdirSync(dir).filter((n) => n.endsWith('.heapsnapshot') && !before.has(n));
    const name = added[0];
    if (name !== undefined) {
      // Written when its size stops changing.
      let size = -1;
      for (;;) {
        const s = readFileSync(join(dir, name)).length;
        if (s === size && s > 0) return join(dir, name);
        size = s;
        await sleep(1000);
      }
    }
  }
  throw new Error('no heap snapshot');
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-bench-streammem-'));
  const { upstream, endpointsFile } = await benchUpstream(dir);
  const proxy = spawn(
    process.execPath,
    ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`, '--import', 'tsx', join(ROOT, 'proxy/src/server.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PROXY_ID: 'bench',
        PROXY_PORT: '0',
        PROXY_AUTH_DISABLED: 'true',
        PROXY_ENDPOINTS_FILE: endpointsFile,
        PROXY_LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let client: ChildProcess | null = null;
  try {
    const { url } = await firstJsonLine<{ url: string }>(proxy, (v) => v['msg'] === 'proxy ready');
    const pid = proxy.pid ?? 0;
    // Warm: one stream opened and closed, so lazily built module state is in both snapshots.
    const warm = tsx('bench/proxy/stream-client.ts', [`${url}/v4/bench/app/sse`, '10']);
    await firstJsonLine(warm, (v) => 'ready' in v);
    warm.kill('SIGKILL');
    await sleep(1500);
    // RSS after the first snapshot: writing one grows the process, and both readings include that.
    const s0 = groups(await snapshot(pid, dir));
    await sleep(1000);
    const rss0 = rssKb(pid);
    client = tsx('bench/proxy/stream-client.ts', [`${url}/v4/bench/app/sse`, String(STREAMS)]);
    const { ready } = await firstJsonLine<{ ready: number }>(client, (v) => 'ready' in v);
    await sleep(2500);
    const rss1 = rssKb(pid);
    const s1 = groups(await snapshot(pid, dir));
    const rows: Array<[string, number, number]> = [];
    let total = 0;
    for (const [k, g] of s1) {
      const b = s0.get(k) ?? { count: 0, bytes: 0 };
      const d = g.bytes - b.bytes;
      total += d;
      rows.push([k, (g.count - b.count) / ready, d / ready]);
    }
    rows.sort((a, b) => b[2] - a[2]);
    const lines = [
      `${ready}/${STREAMS} streams; RSS ${(rss0 / 1024).toFixed(0)} → ${(rss1 / 1024).toFixed(0)} MB = ${((rss1 - rss0) / ready).toFixed(1)} KB per stream; JS heap (snapshot self sizes) ${(total / ready / 1024).toFixed(2)} KB per stream`,
      '',
      '| type:constructor | objects per stream | bytes per stream |',
      '|---|---|---|',
      ...rows.slice(0, TOP).map(([k, n, b]) => `| ${k.replace(/\|/g, '/')} | ${n.toFixed(2)} | ${b.toFixed(0)} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    client?.kill('SIGKILL');
    proxy.kill('SIGKILL');
    upstream.kill('SIGTERM');
    if (process.env['BENCH_KEEP_SNAPSHOTS'] === '1') process.stdout.write(`snapshots kept in ${dir}\n`);
    else for (const n of readdirSync(dir)) if (n.endsWith('.heapsnapshot')) rmSync(join(dir, n));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      process.stderr.write(`bench/proxy-stream-memory: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
