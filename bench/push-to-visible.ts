/**
 * Push-to-visible latency of the control plane: from the moment an aggregator starts a tick
 * on a changed replica (scrape + summarise + one batch push) until ANOTHER client reading the
 * database sees the new row — what the edge's snapshot loader would see. Also the push alone
 * (pushClusterState → visible). Measured through the local Hrana HTTP endpoint (the same wire
 * protocol as Turso) and on the embedded file directly.
 *
 * Run: `npx tsx bench/push-to-visible.ts` (or `npm run bench -- push-to-visible`). BENCH_ITERATIONS=N.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@libsql/client';
import { aggregatorConfig, occupySlot, startReplicas } from '../control/aggregator/test-fixtures.ts';
import { startAggregator } from '../control/aggregator/start-aggregator.ts';
import { startHranaServer } from '../control/hrana/server.ts';
import { migrate } from '../control/store/migrate.ts';
import { openStore } from '../control/store/open-store.ts';
import { pushClusterState } from '../control/store/push-cluster-state.ts';

interface Stats {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => Number((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN).toFixed(2));
  return { p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: at(1) };
}

async function visible(reader: Client, column: 'hot_busy' | 'queued', value: number): Promise<number> {
  for (;;) {
    const rs = await reader.execute({ sql: `SELECT ${column} AS v FROM cluster_app_state WHERE cluster_id = 'c1' AND app_id = 'acme/chat'`, args: [] });
    if (Number(rs.rows[0]?.['v']) === value) return performance.now();
    // An embedded-file read resolves without touching the event loop; yield so the aggregator's I/O can run.
    await new Promise((r) => setImmediate(r));
  }
}

async function measure(mode: 'hrana-http' | 'file', iterations: number): Promise<{ mode: string; tickToVisible: Stats; pushToVisible: Stats; iterations: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ptv-'));
  const dbPath = join(dir, 'db.sqlite');
  const hrana = mode === 'hrana-http' ? await startHranaServer({ dbPath, port: 0 }) : null;
  const url = hrana?.url ?? `file:${dbPath}`;
  const writer = openStore({ url });
  const reader = openStore({ url });
  await migrate(writer.client);
  const [replica] = await startReplicas(1, 64);
  if (replica === undefined) throw new Error('no replica');
  const agg = startAggregator(
    aggregatorConfig([{ appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 64, replicas: [replica.url], warm: null, cold: null }], { scrapeTimeoutMs: 1000 }),
    { client: writer.client },
  );
  const jobs: AbortController[] = [];
  const tick: number[] = [];
  const push: number[] = [];
  try {
    await agg.tickNow();
    for (let i = 0; i < iterations; i++) {
      // The change: one more request in flight on the replica.
      jobs.push(await occupySlot(replica));
      const t0 = performance.now();
      const ticked = agg.tickNow();
      const seen = await visible(reader.client, 'hot_busy', jobs.length);
      await ticked;
      tick.push(seen - t0);
    }
    const last = agg.lastSnapshot();
    if (last === null) throw new Error('no snapshot');
    for (let i = 1; i <= iterations; i++) {
      const states = last.states.map((s) => ({ ...s, queued: 1000 + i }));
      const t0 = performance.now();
      const pushed = pushClusterState(writer.client, 'c1', { states, status: last.status, endpoints: last.endpoints }, Date.now());
      const seen = await visible(reader.client, 'queued', 1000 + i);
      await pushed;
      push.push(seen - t0);
    }
  } finally {
    for (const j of jobs) j.abort();
    await agg.stop();
    await replica.close();
    writer.close();
    reader.close();
    await hrana?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { mode, tickToVisible: stats(tick), pushToVisible: stats(push), iterations };
}

export async function run(): Promise<unknown> {
  const iterations = Number(process.env['BENCH_ITERATIONS'] ?? 50);
  return [await measure('hrana-http', iterations), await measure('file', iterations)];
}

if (process.argv[1]?.endsWith('push-to-visible.ts') === true) {
  process.stdout.write(`${JSON.stringify(await run(), null, 2)}\n`);
}
