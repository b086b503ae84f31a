/**
 * The built CLI starts its worker threads (the proxy's body-parse thread, replay's threads) from
 * the files `npm run build` made, with neither esbuild nor tsx installed. It did not: each process
 * bundled the thread's TypeScript with tsx's esbuild, and the module doing it resolved tsx as it
 * loaded, so `node dist/main.mjs proxy` and `replay` exited at once ("Cannot find module
 * 'tsx/esm/api'"). The install here is real, not a guard: the sources as the images copy them, the
 * build at the same place beside them, and a node_modules of every package but tsx and esbuild,
 * in a directory whose parents hold no node_modules.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica } from '../../proxy/test/harness.ts';
import { metricSum, spawnProxy } from '../../proxy/test/proxy-processes.ts';
import { DEFAULT_POLICY } from '../../backtest/decision-port.ts';
import { writeNdjson } from '../../backtest/replay/ndjson.ts';
import { makeRecords } from '../../backtest/replay/record-fixtures.ts';
import { claimSlots } from '../../backtest/replay/replay-share.ts';
import { buildDist, ROOT, type BuiltDist } from './build-dist.ts';

const run = promisify(execFile);
/** What infra/containers/*.Containerfile copy beside dist/. */
const SOURCES = ['package.json', 'shared', 'proxy', 'control', 'backtest', 'infra/workerd', 'workers/src'];
const MISSING = new Set(['tsx', 'esbuild', '@esbuild', '.bin']);
const RECORDS = 1500;

describe('the built CLI runs its threads without esbuild or tsx', () => {
  let dist: BuiltDist;
  let install: string;
  /** `dist.entry` in the install. */
  let entry: string;
  let sim: SimCluster;
  let records: string;

  beforeAll(async () => {
    await mkdir(join(ROOT, '.switchyard'), { recursive: true });
    dist = await buildDist(await mkdtemp(join(ROOT, '.switchyard', 'dist-test-')));
    install = await mkdtemp(join(tmpdir(), 'sy-no-tsx-'));
    for (const s of SOURCES) await cp(join(ROOT, s), join(install, s), { recursive: true });
    await cp(dist.outDir, join(install, relative(ROOT, dist.outDir)), { recursive: true });
    await mkdir(join(install, 'node_modules'));
    for (const name of await readdir(join(ROOT, 'node_modules'))) {
      if (!MISSING.has(name)) await symlink(await realpath(join(ROOT, 'node_modules', name)), join(install, 'node_modules', name));
    }
    entry = join(install, relative(ROOT, dist.entry));
    records = join(install, 'records.ndjson');
    await writeNdjson(records, makeRecords(RECORDS, DEFAULT_POLICY, 'built-threads'));
    sim = await startReplica('c1', 'r0');
  }, 120_000);
  afterAll(async () => {
    await sim?.close();
    if (dist !== undefined) await rm(dist.outDir, { recursive: true, force: true });
    if (install !== undefined) await rm(install, { recursive: true, force: true });
  });

  it('has no esbuild or tsx to find from the install', () => {
    const req = createRequire(join(install, 'proxy/src/typescript-thread.ts'));
    for (const name of ['tsx', 'tsx/esm/api', 'esbuild']) expect(() => req.resolve(name)).toThrow(/Cannot find module/);
  });

  it('the proxy, two workers, parses a large body on its thread', async () => {
    const proxy = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_WORKERS: '2' }, [{ id: APP, requests: { streams: { continuation: true } } }], [entry, 'proxy']);
    try {
      // ~512 KiB (the limit is 1 MiB): far over the 32 KiB a body must reach to be parsed on the thread.
      const body = chatBody({ max_tokens: 2, messages: [{ role: 'user', content: 'x '.repeat(256 * 1024) }] });
      const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body, headers: { connection: 'close' } });
      expect(r.status, r.body).toBe(200);
      const text = await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
      expect(metricSum(text, 'switchyard_proxy_body_parse_thread_seconds_total')).toBeGreaterThan(0);
    } finally {
      proxy.child.kill('SIGTERM');
    }
    expect(await proxy.exited).toBe(0);
  }, 60_000);

  it('replay --threads 2 replays every record', async () => {
    const out = join(install, 'report');
    const { stdout } = await run(process.execPath, [entry, 'replay', '--input', records, '--threads', '2', '--out', out], { cwd: install });
    expect(stdout).toContain(`replayed ${RECORDS.toLocaleString('en-US')} decisions`);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { records: number };
    expect(report.records).toBe(RECORDS);
  }, 60_000);

  it("the built replay thread alone takes every block (the calling thread none), as replay's workers run it", async () => {
    const thread = join(install, relative(ROOT, dist.outDir), 'threads', 'replay-worker.cjs');
    const task = { file: records, opts: { policy: null, strategy: null, assumedDurationMs: 1000, verify: false }, threads: 2, worker: 0, blockBytes: 1 << 20 };
    const script = `
      const { Worker } = require('node:worker_threads');
      const code = require('node:fs').readFileSync(${JSON.stringify(thread)}, 'utf8');
      const task = { ...${JSON.stringify(task)}, claims: new SharedArrayBuffer(${claimSlots(1) * Int32Array.BYTES_PER_ELEMENT}) };
      new Worker(code, { eval: true, workerData: task }).once('message', (m) => console.log(JSON.stringify({ kind: m.kind, n: m.partial?.n, blocks: m.blocks, message: m.message })));`;
    const scriptFile = join(install, 'run-replay-thread.cjs');
    await writeFile(scriptFile, script);
    const child = spawn(process.execPath, [scriptFile], { cwd: install, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const m = JSON.parse(text) as { kind: string; n: number; blocks: number };
    expect(m).toMatchObject({ kind: 'partial', n: RECORDS });
    expect(m.blocks).toBeGreaterThan(1);
  }, 60_000);
});
