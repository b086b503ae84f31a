/**
 * Edge Worker benchmark, in real workerd via wrangler's `unstable_startWorker` (the same bundling
 * and runtime as `wrangler dev`, from wrangler.toml). Seeds a real Hrana endpoint with the store,
 * then measures:
 *   - decision alone and a warm token-mode request, timed inside the isolate by the bench route
 *     (EDGE_BENCH_ROUTE=on); workerd's clock is 1 ms-coarse, so batches are timed and the
 *     per-call figure is the batch mean (percentiles over batch means);
 *   - requests/second and client-side p50/p99 of warm token-mode requests over loopback HTTP.
 *
 * Run: npx tsx bench/worker.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exportJWK, generateKeyPair } from 'jose';
import { unstable_startWorker } from 'wrangler';
import { startHranaServer } from '../control/hrana/server.ts';
import { openStore } from '../control/store/index.ts';
import { startProxies } from '../workers/fixtures/proxies.ts';
import { KEYS, seed } from '../workers/fixtures/seed.ts';

interface BenchStats {
  readonly kind: string;
  readonly calls: number;
  readonly batches: number;
  readonly perCallUs: { readonly mean: number; readonly p50: number; readonly p99: number; readonly max: number };
}

export interface WorkerBenchResult {
  readonly decision: BenchStats;
  readonly warmRequestInIsolate: BenchStats;
  /** The request path's crypto steps alone: Ed25519 token signing, SHA-256 of the API key. */
  readonly breakdown: { readonly sign: BenchStats; readonly hash: BenchStats; readonly explain: BenchStats };
  readonly http: { readonly requests: number; readonly seconds: number; readonly rps: number; readonly p50Ms: number; readonly p99Ms: number; readonly concurrency: number };
}

const APP = 'acme/chat';
const OPERATOR_KEY = randomBytes(24).toString('hex');

async function httpLoad(url: string, seconds: number, concurrency: number): Promise<WorkerBenchResult['http']> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const res = await fetch(url, { headers: { authorization: `Bearer ${KEYS.acme}` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`load request answered ${res.status}`);
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? NaN) * 1000) / 1000;
  return { requests: latencies.length, seconds: Math.round(elapsed * 100) / 100, rps: Math.round(latencies.length / elapsed), p50Ms: at(0.5), p99Ms: at(0.99), concurrency };
}

export async function run(): Promise<WorkerBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-worker-'));
  const proxies = await startProxies();
  const hrana = await startHranaServer({ dbPath: join(dir, 'bench.db'), port: 0 });
  const store = openStore({ url: hrana.url });
  await seed(store.client, proxies.urls, Date.now());
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'bench-1', alg: 'EdDSA' });
  const text = (value: string) => ({ type: 'plain_text' as const, value });
  const worker = await unstable_startWorker({
    config: join(import.meta.dirname, '..', 'wrangler.toml'),
    bindings: {
      LIBSQL_URL: text(hrana.url),
      TOKEN_SIGNING_KEY: text(jwk),
      EDGE_BENCH_ROUTE: text('on'),
      // explain (the synthetic row) is operator-only since issue 11: a key for this run only.
      EDGE_OPERATOR_KEY: text(OPERATOR_KEY),
      // Per-decision console lines and table writes are off: this measures the decision path.
      EDGE_LOG_DECISIONS: text('off'),
      EDGE_RECORD_DECISIONS: text('off'),
      // Keep the snapshot warm without refreshing during the measurement.
      EDGE_REFRESH_MS: text('600000'),
      EDGE_STALE_SNAPSHOT_MS: text('600000'),
    },
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, persist: false, logLevel: 'warn' },
  });
  try {
    await worker.ready;
    const base = (await worker.url).toString().replace(/\/$/, '');
    const auth = { authorization: `Bearer ${KEYS.acme}`, 'x-switchyard-operator-key': OPERATOR_KEY };
    const get = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${base}${path}`, { headers: auth });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    await get(`/token/v4/${APP}/generate`); // warm the snapshot and key caches
    await get<BenchStats>(`/__bench?app=${APP}&kind=decide&n=500&batches=20`); // JIT warm-up
    const decision = await get<BenchStats>(`/__bench?app=${APP}&kind=decide&n=2000&batches=200`);
    await get<BenchStats>(`/__bench?app=${APP}&kind=request&n=100&batches=10`);
    const warmRequestInIsolate = await get<BenchStats>(`/__bench?app=${APP}&kind=request&n=200&batches=100`);
    const sign = await get<BenchStats>(`/__bench?app=${APP}&kind=sign&n=200&batches=50`);
    const explain = await get<BenchStats>(`/__bench?app=${APP}&kind=explain&n=200&batches=50`);
    const hash = await get<BenchStats>(`/__bench?app=${APP}&kind=hash&n=1000&batches=50`);
    const http = await httpLoad(`${base}/token/v4/${APP}/generate`, 5, 8);
    return { decision, warmRequestInIsolate, breakdown: { sign, hash, explain }, http };
  } finally {
    await worker.dispose();
    store.close();
    await hrana.close();
    await proxies.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`bench/worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
