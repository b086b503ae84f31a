/**
 * The operations dashboard under 1,000 decisions/s: a writer inserts decisions (with a
 * four-candidate explanation, ~3 KB each) and outcomes at that rate into libSQL behind the
 * local Hrana HTTP endpoint, while the dashboard polls it and a headless chromium
 * (playwright-core, Debian's package) shows the live page. Reports page weight (raw and gzip),
 * the server's cost per tick, the bytes per live update and the browser's cost per update.
 *
 * Run: `npx tsx bench/dashboard.ts` (or `npm run bench -- dashboard`). BENCH_SECONDS=N (default 30),
 * BENCH_RATE=N decisions/s (default 1000), CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startDashboard } from '../control/dashboard/start-dashboard.ts';
import { startHranaServer } from '../control/hrana/server.ts';
import { migrate } from '../control/store/migrate.ts';
import { openStore } from '../control/store/open-store.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30);
const RATE = Number(process.env['BENCH_RATE'] ?? 1000);
const KEY = 'bench-operator-key-0123456789abcdef';
const CLUSTERS = [
  ['us-east-1', 'us-east', 'coreweave', 4.25],
  ['eu-west-1', 'eu-west', 'lambda', 2.99],
  ['eu-central-1', 'eu-central', 'nebius', 2.49],
  ['ap-southeast-1', 'ap-southeast', 'aws', 3.1],
] as const;
const APPS = ['acme/chat', 'acme/eu-chat', 'acme/train'];

function explanation(id: string, at: number, app: string, chosen: string): string {
  const terms = ['network', 'queue', 'startup', 'failure-risk', 'price', 'uncertainty'].map((name, i) => ({ name, ms: i * 7.5, detail: `${name}: 12 ms round trip (geo to proxy + measured proxy RTT), $2.49/h vs cheapest` }));
  return JSON.stringify({
    id, at, appId: app, fn: 'chat', strategy: 'switchyard', outcome: 'routed', chosen, fallbacks: CLUSTERS.map((c) => c[0]).filter((c) => c !== chosen),
    reason: 'fastest-predicted', tier: 'hot', stale: false, synthetic: false, policyVersion: 'v1', seed: 'abc', summary: `chose ${chosen} (hot, p=0.62)`,
    candidates: CLUSTERS.map(([c, region, provider, price]) => ({
      clusterId: c, region, provider, disqualifications: [], tier: 'hot', baseWeight: 1, modifiers: [{ name: 'locality', factor: 1, detail: 'never served here' }],
      weight: 1, probability: 0.25, estimatedLatencyMs: 40, pricePerHour: price, stateAgeMs: 300, terms, scoreMs: 112.5,
    })),
  });
}

/** The load writer, as plain CommonJS for a worker thread. */
const WRITER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
const { createClient } = require('@libsql/client');
const { path, rate, clusters, apps, sample } = workerData;
const db = createClient({ url: 'file:' + path });
let stop = false;
let written = 0;
parentPort.on('message', () => { stop = true; });
(async () => {
  const perBatch = Math.max(1, Math.round(rate / 10));
  let next = Date.now();
  while (!stop) {
    const at = Date.now();
    const stmts = [];
    for (let i = 0; i < perBatch; i++) {
      const id = randomUUID();
      const app = apps[i % apps.length];
      const chosen = clusters[(written + i) % clusters.length];
      stmts.push({ sql: "INSERT INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, decision_us, explanation_json, input_json) VALUES (?, ?, ?, 'chat', 0, 'routed', ?, 'fastest-predicted', 'v1', 's', 0, 40, ?, '{}')", args: [id, at, app, chosen, sample.replace('"ID"', JSON.stringify(id))] });
      stmts.push({ sql: "INSERT INTO outcomes (decision_id, attempt, proxy_id, cluster_id, endpoint, status, ttfb_ms, duration_ms, bytes_in, bytes_out, error, at) VALUES (?, 0, 'proxy', ?, 'r0', ?, ?, 300, 100, 2000, NULL, ?)", args: [id, chosen, i % 50 === 0 ? 502 : 200, 30 + (i % 40), at] });
    }
    await db.batch(stmts, 'write');
    written += perBatch;
    parentPort.postMessage(written);
    next += 100;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  db.close();
  process.exit(0);
})();
`;

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return `n=${s.length} p50=${q(0.5).toFixed(1)} p95=${q(0.95).toFixed(1)} max=${(s.at(-1) ?? NaN).toFixed(1)}`;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
  const hrana = await startHranaServer({ dbPath: join(dir, 'bench.db'), port: 0 });
  // The writer goes to the file directly (as the edge's writes would arrive from elsewhere), so only
  // the dashboard's reads go through this process's Hrana endpoint.
  const writer = openStore({ url: `file:${join(dir, 'bench.db')}` });
  await migrate(writer.client, { now: Date.now() });
  const now = Date.now();
  for (const [id, region, provider, price] of CLUSTERS) {
    await writer.client.batch([
      { sql: `INSERT INTO clusters VALUES (?, ?, 'EU', 'IE', ?, 0, 0, 'http://p', 'proxy', 1)`, args: [id, region, provider] },
      { sql: `INSERT INTO cluster_status VALUES (?, 'healthy', 0, ?)`, args: [id, now] },
      ...APPS.map((app) => ({
        sql: `INSERT INTO cluster_app_state (cluster_id, app_id, hot_free, hot_busy, warm, cold, queued, gpu_type, price_per_hour, health, observed_at) VALUES (?, ?, 4, 2, 8, 32, 0, 'H100', ?, 'healthy', ?)`,
        args: [id, app, price, now],
      })),
    ], 'write');
  }
  const dash = await startDashboard({ host: '127.0.0.1', port: 0, dbUrl: hrana.url, dbAuthToken: undefined, operatorKey: KEY, pollMs: 1000, bucketMs: 5000, keepBuckets: 60, feedSize: 50, reportsDir: dir });
  const tickMs: number[] = [];
  const tickBytes: number[] = [];
  dash.poller.subscribe((t) => {
    tickMs.push(t.tickMs);
    tickBytes.push(Buffer.byteLength(JSON.stringify(t)));
  });

  // Page weight: what a first visit downloads.
  const headers = { 'x-switchyard-operator-key': KEY, 'accept-encoding': 'gzip' };
  const weight: Array<readonly [string, number, number]> = [];
  for (const path of ['/', '/assets/dashboard.js', '/assets/dashboard.css', '/assets/echarts.min.js']) {
    const raw = Buffer.from(await (await fetch(`${dash.url}${path}`, { headers: { 'x-switchyard-operator-key': KEY, 'accept-encoding': 'identity' } })).arrayBuffer());
    const gz = await fetch(`${dash.url}${path}`, { headers });
    await gz.arrayBuffer();
    // Assets are served gzipped (content-length is the compressed size); the page itself is small and sent as is.
    weight.push([path, raw.length, path === '/' ? gzipSync(raw).length : Number(gz.headers.get('content-length'))]);
  }

  // 1,000 decisions/s: a batch every 100 ms, from a worker thread writing the file directly (the
  // native driver blocks its thread while it writes, which must not stall the dashboard's loop).
  const writerThread = new Worker(WRITER_SOURCE, {
    eval: true,
    workerData: { path: join(dir, 'bench.db'), rate: RATE, clusters: CLUSTERS.map((c) => c[0]), apps: APPS, sample: explanation('ID', 0, 'acme/chat', 'us-east-1') },
  });
  let written = 0;
  writerThread.on('message', (n: number) => {
    written = n;
  });
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.setExtraHTTPHeaders({ 'x-switchyard-operator-key': KEY });
  const started = Date.now();
  await page.goto(dash.url);
  await page.waitForSelector('#fleet-table');
  await page.evaluate('Object.assign(window.__dashboard, { updates: 0, totalMs: 0, maxMs: 0, chartRedraws: 0, parts: { fleet: 0, feed: 0, charts: 0 } })');
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const browserStats = (await page.evaluate('({ ...window.__dashboard, rows: document.querySelectorAll("#feed tbody tr").length, heapMB: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null })')) as {
    updates: number; totalMs: number; maxMs: number; rows: number; heapMB: number | null; parts: Record<string, number>; chartRedraws: number;
  };
  writerThread.postMessage('stop');
  await new Promise((r) => writerThread.once('exit', r));
  const elapsed = (Date.now() - started) / 1000;
  await browser.close();
  await dash.close();
  writer.close();
  await hrana.close();
  rmSync(dir, { recursive: true, force: true });

  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  const total = weight.reduce<[number, number]>((a, w) => [a[0] + w[1], a[1] + w[2]], [0, 0]);
  process.stdout.write(`\npage weight (first visit; gzip as served):\n`);
  for (const [p, raw, gz] of weight) process.stdout.write(`  ${p.padEnd(24)} ${kb(raw).padStart(10)} raw ${kb(gz).padStart(10)} gzip\n`);
  process.stdout.write(`  ${'total'.padEnd(24)} ${kb(total[0]).padStart(10)} raw ${kb(total[1]).padStart(10)} gzip\n`);
  process.stdout.write(`\nload: ${written} decisions + outcomes written in ${elapsed.toFixed(0)} s (${(written / elapsed).toFixed(0)}/s)\n`);
  process.stdout.write(`server tick (poll + fold), ms: ${stats(tickMs)}\n`);
  process.stdout.write(`live update size (one SSE tick, JSON), bytes: ${stats(tickBytes)}\n`);
  process.stdout.write(`browser update (render one tick), ms: mean ${(browserStats.totalMs / Math.max(1, browserStats.updates)).toFixed(1)} max ${browserStats.maxMs.toFixed(1)} over ${browserStats.updates} updates\n`);
  const per = (n: number | undefined): string => ((n ?? 0) / Math.max(1, browserStats.updates)).toFixed(1);
  process.stdout.write(`  of which per update: fleet ${per(browserStats.parts['fleet'])} ms, feed ${per(browserStats.parts['feed'])} ms; charts ${((browserStats.parts['charts'] ?? 0) / Math.max(1, browserStats.chartRedraws)).toFixed(1)} ms per redraw (${browserStats.chartRedraws} redraws, once per 5 s bucket)\n`);
  process.stdout.write(`machine load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores\n`);
  process.stdout.write(`feed rows in the DOM: ${browserStats.rows} (bounded); JS heap ${browserStats.heapMB?.toFixed(1) ?? '?'} MB\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
