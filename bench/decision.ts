/**
 * Decision-core benchmark: decisions/second and per-decision p50/p99 of
 * `decide()` at 8, 64 and 512 candidates on realistic snapshots (mixed tiers,
 * some unhealthy/stale/draining clusters, measured latency for most, varied
 * prices and locality), each decision with its own seeded RNG as in the Worker.
 *
 *   npx tsx bench/decision.ts
 *
 * Timing: process.hrtime.bigint() around each call after a warm-up; the
 * timer's own cost (~tens of ns) is included in the per-decision numbers.
 *
 * Then one memory line per size, which machine load does not distort: heap bytes allocated
 * per decision (median of 100-decision batches that saw no collection) and garbage
 * collections per 100k decisions (PerformanceObserver 'gc' entries), so runs on a busy
 * machine can still be compared.
 */
import { type PerformanceEntry, PerformanceObserver, constants } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { REGIONS } from '../shared/domain/regions.ts';
import type {
  AppSnapshot,
  ClientLocation,
  ClusterAppState,
  Health,
} from '../shared/domain/types.ts';
import { DEFAULT_POLICY, decide, seededRng } from '../shared/decision/index.ts';
import type { Policy } from '../shared/decision/types.ts';
import {
  NOW,
  cluster,
  measurement,
  snapshot,
  state,
  status,
} from '../shared/decision/test-fixtures.ts';

export interface DecisionBenchResult {
  readonly candidates: number;
  readonly iterations: number;
  readonly decisionsPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

/**
 * A snapshot with `n` clusters spread over every known region, in varied condition. With
 * `inflowColos` > 0 every cluster's state also carries the app's requests/s from that many
 * deciding colos (the three the bench's clients use among them), as a production snapshot does
 * once proxies report outcomes (`share-of-room.ts` reads it on every decision).
 */
export function realisticSnapshot(n: number, inflowColos = 0): AppSnapshot {
  const clusters = Array.from({ length: n }, (_, i) => {
    const region = REGIONS[i % REGIONS.length];
    return cluster(`c${i}-${region?.id ?? 'x'}`, region?.id ?? 'eu-west', {
      provider: ['lambda', 'coreweave', 'aws'][i % 3] ?? 'aws',
    });
  });
  const rng = seededRng(`bench-${n}`);
  const colos = ['FRA', 'IAD', 'SIN', ...Array.from({ length: inflowColos }, (_, k) => `C${k}`)].slice(0, inflowColos);
  const states: ClusterAppState[] = clusters.map((c, i) => {
    const roll = rng.next();
    const health: Health = roll < 0.05 ? 'unhealthy' : roll < 0.1 ? 'degraded' : 'healthy';
    return state(c.id, {
      hotFree: i % 4 === 0 ? 0 : Math.floor(rng.next() * 16),
      hotBusy: Math.floor(rng.next() * 16),
      warm: Math.floor(rng.next() * 8),
      cold: 4 + Math.floor(rng.next() * 32),
      queued: Math.floor(rng.next() * 3),
      pricePerHour: 1.5 + rng.next() * 3,
      health,
      lastServedAt: rng.next() < 0.4 ? NOW - Math.floor(rng.next() * 900_000) : null,
      // Most fresh, some in the soft-stale band, a few beyond the hard limit.
      observedAt: NOW - Math.floor(rng.next() < 0.9 ? rng.next() * 15_000 : rng.next() * 150_000),
      // After the other draws, so the snapshot without inflow is the same as before it existed.
      ...(colos.length === 0 ? {} : { inflowByOrigin: Object.fromEntries(colos.map((colo) => [colo, Math.round(rng.next() * 40) / 10])) }),
    });
  });
  return snapshot({
    clusters,
    states,
    statuses: clusters.map((c, i) =>
      status(c.id, { draining: i % 29 === 7, circuitOpen: i % 31 === 11 }),
    ),
    latency: clusters.flatMap((c, i) =>
      i % 5 === 0
        ? []
        : [
            measurement(c.id, c.proxyId, {
              rttMs: 1 + rng.next() * 3,
              ttftMs: i % 2 === 0 ? 80 + rng.next() * 200 : null,
            }),
          ],
    ),
    app: { clusterWeights: { [clusters[0]?.id ?? '']: 0.5 } },
  });
}

const CLIENTS: readonly ClientLocation[] = [
  { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } },
  { colo: 'IAD', country: 'US', continent: 'NA', location: { lat: 38.9, lon: -77.4 } },
  { colo: 'SIN', country: 'SG', continent: 'AS', location: { lat: 1.35, lon: 103.8 } },
  { colo: null, country: null, continent: null, location: null },
];

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

// BENCH_ROUTE_MODEL=weights times the previous model on the same snapshots (for a same-load comparison).
// BENCH_INFLOW_COLOS=N gives every cluster inflow from N deciding colos (0, the default: none).
const INFLOW_COLOS = Number(process.env['BENCH_INFLOW_COLOS'] ?? '0');
if (!Number.isInteger(INFLOW_COLOS) || INFLOW_COLOS < 0) {
  throw new Error(`BENCH_INFLOW_COLOS must be a whole number ≥ 0, got ${process.env['BENCH_INFLOW_COLOS'] ?? ''}`);
}
const POLICY: Policy =
  process.env['BENCH_ROUTE_MODEL'] === 'weights' ? { ...DEFAULT_POLICY, model: 'weights' } : DEFAULT_POLICY;

/** One decision per call, rotating the four clients, each with its own seeded RNG as in the Worker. */
function decider(n: number): (i: number) => void {
  const snap = realisticSnapshot(n, INFLOW_COLOS);
  const requests = CLIENTS.map((client) => ({
    appId: snap.app.id,
    fn: 'v1/chat/completions',
    method: 'POST',
    client,
    affinityKey: null,
    synthetic: false,
  }));
  return (i: number): void => {
    const seed = `d${i}`;
    decide(requests[i & 3] ?? (requests[0] as (typeof requests)[number]), snap, POLICY, {
      now: NOW,
      rng: seededRng(seed),
      seed,
      decisionId: seed,
      staleSnapshot: false,
    });
  };
}

function benchOne(n: number, iterations: number): DecisionBenchResult {
  const once = decider(n);
  for (let i = 0; i < Math.max(2000, iterations / 5); i++) once(i);
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    once(i);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  const totalNs = Number(process.hrtime.bigint() - start);
  samples.sort();
  return {
    candidates: n,
    iterations,
    decisionsPerSecond: Math.round(iterations / (totalNs / 1e9)),
    p50Us: percentile(samples, 0.5) / 1000,
    p99Us: percentile(samples, 0.99) / 1000,
    maxUs: (samples[samples.length - 1] ?? 0) / 1000,
  };
}

/** Runs the benchmark at 8, 64 and 512 candidates; `scale` < 1 shortens it (e.g. for smoke tests). */
export function run(scale = 1): DecisionBenchResult[] {
  return [
    benchOne(8, Math.max(100, Math.round(200_000 * scale))),
    benchOne(64, Math.max(100, Math.round(100_000 * scale))),
    benchOne(512, Math.max(100, Math.round(20_000 * scale))),
  ];
}

export function formatResults(results: readonly DecisionBenchResult[]): string {
  const lines = [
    'candidates | decisions/s | p50 µs | p99 µs | max µs | iterations',
    '---:|---:|---:|---:|---:|---:',
  ];
  for (const r of results) {
    lines.push(
      `${r.candidates} | ${r.decisionsPerSecond.toLocaleString('en-US')} | ${r.p50Us.toFixed(1)} | ${r.p99Us.toFixed(1)} | ${r.maxUs.toFixed(0)} | ${r.iterations.toLocaleString('en-US')}`,
    );
  }
  return lines.join('\n');
}

export interface DecisionMemoryResult {
  readonly candidates: number;
  readonly decisions: number;
  /** Heap bytes allocated per decision (median over 100-decision batches without a collection). */
  readonly bytesPerDecision: number;
  readonly scavengesPer100k: number;
  readonly majorGcsPer100k: number;
}

/** Allocation and collections per decision at `n` candidates (async: GC entries arrive after the fact). */
export async function memoryOne(n: number, decisions = 100_000): Promise<DecisionMemoryResult> {
  const once = decider(n);
  for (let i = 0; i < 5000; i++) once(i);
  let minor = 0;
  let major = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
      else major++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const perBatch: number[] = [];
  for (let b = 0; b < decisions / 100; b++) {
    const h0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100; i++) once(b * 100 + i);
    const delta = process.memoryUsage().heapUsed - h0;
    if (delta > 0) perBatch.push(delta / 100); // a batch a collection ran in shows a drop: skipped
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  perBatch.sort((a, b) => a - b);
  const scale = 100_000 / decisions;
  return {
    candidates: n,
    decisions,
    bytesPerDecision: Math.round(perBatch[Math.floor(perBatch.length / 2)] ?? NaN),
    scavengesPer100k: Math.round(minor * scale),
    majorGcsPer100k: Math.round(major * scale),
  };
}

export function formatMemory(results: readonly DecisionMemoryResult[]): string {
  return results
    .map((r) => `memory, ${r.candidates} candidates: ~${(r.bytesPerDecision / 1024).toFixed(1)} KB heap allocated per decision; per 100k decisions ${r.scavengesPer100k} scavenges, ${r.majorGcsPer100k} major GCs`)
    .join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`decide() on Node ${process.version}\n${formatResults(run())}\n`);
  const memory = [await memoryOne(8), await memoryOne(64), await memoryOne(512, 20_000)];
  process.stdout.write(`${formatMemory(memory)}\n`);
}
