/**
 * One app's whole snapshot read (`APP_SNAPSHOT_STATEMENTS`: one read batch, every statement) on a
 * fleet like backtest/bench/week-50-clusters.yaml: 50 clusters (15 in Europe), acme/chat on all of
 * them, EU-resident acme/eu-assist too, BENCH_RATE decisions/s (each with one outcome row) over
 * the last BENCH_HISTORY_S seconds, as the edge and the proxies write them. Measured with and
 * without the `tenants` statement (the last part; `buildAppSnapshot` accepts a batch without it),
 * on the libSQL file directly and through the local Hrana HTTP endpoint (Turso's wire protocol),
 * against the edge's snapshot read timeout (EDGE_DB_TIMEOUT_MS, 2 s by default). Prints the plan
 * of the statements that scan outcomes.
 *
 * Run: `npx tsx bench/snapshot-load.ts` (or `npm run bench -- snapshot-load`). Knobs:
 * BENCH_RATE (1000), BENCH_HISTORY_S (300), BENCH_INPUT_BYTES (1024, each decision's input_json),
 * BENCH_ITERATIONS (30), BENCH_MODES (file,hrana-http), BENCH_OUTCOME_APP (0; 1: outcomes carry their app_id
 * as proxies at schema v21+ write them, 0: the database copies it from the decision, as for older
 * proxies). Each statement that reads outcomes is also timed alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@libsql/client';
import { startHranaServer } from '../control/hrana/server.ts';
import { migrate } from '../control/store/migrate.ts';
import { openStore } from '../control/store/open-store.ts';
import { pushClusterState } from '../control/store/push-cluster-state.ts';
import { upsertApp } from '../control/store/upsert-app.ts';
import { upsertCluster } from '../control/store/upsert-cluster.ts';
import { upsertProject } from '../control/store/upsert-project.ts';
import { DEFAULT_REQUEST_RULES, type App, type Cluster, type Continent } from '../shared/domain/types.ts';
import { buildAppSnapshot } from '../shared/snapshot/build-app-snapshot.ts';
import { APP_SNAPSHOT_STATEMENTS, OUTCOME_WINDOW_MS, SNAPSHOT_PARTS } from '../shared/snapshot/statements.ts';

const RATE = Number(process.env['BENCH_RATE'] ?? 1000);
const HISTORY_S = Number(process.env['BENCH_HISTORY_S'] ?? 300);
const INPUT_BYTES = Number(process.env['BENCH_INPUT_BYTES'] ?? 1024);
const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 30);
const OUTCOME_APP = process.env['BENCH_OUTCOME_APP'] === '1';
const EDGE_DB_TIMEOUT_MS = 2_000;

// week-50-clusters: 10 regions × 5 clusters.
const REGIONS: ReadonlyArray<readonly [string, Continent, string]> = [
  ['us-east', 'NA', 'US'], ['us-west', 'NA', 'US'], ['us-central', 'NA', 'US'], ['sa-east', 'SA', 'BR'], ['eu-west', 'EU', 'IE'],
  ['eu-central', 'EU', 'DE'], ['eu-north', 'EU', 'SE'], ['ap-south', 'AS', 'IN'], ['ap-northeast', 'AS', 'JP'], ['au-east', 'OC', 'AU'],
];
const CLUSTERS: Cluster[] = REGIONS.flatMap(([region, continent, country]) =>
  [1, 2, 3, 4, 5].map((i) => ({
    id: `${region}-${i}`, region, continent, country, provider: 'bench', location: { lat: 0, lon: 0 },
    proxyUrl: `http://proxy-${region}.test`, proxyId: `proxy-${region}`,
  })),
);
const EU = CLUSTERS.filter((c) => c.continent === 'EU').map((c) => c.id);
const COLOS = ['EWR', 'SJC', 'ORD', 'GRU', 'LHR', 'FRA', 'ARN', 'DXB', 'BOM', 'SIN', 'NRT', 'SYD', 'JNB'];

const app = (name: string, residency: App['residency']): App => ({
  id: `acme/${name}`, projectId: 'acme', name, clusters: CLUSTERS.map((c) => c.id), excludedClusters: [], residency, gpuTypes: [],
  strategy: 'switchyard', affinityHeader: null, authRequired: true, limits: { maxConcurrency: null, maxRps: null }, corsOrigins: [],
  clusterWeights: {}, requests: DEFAULT_REQUEST_RULES,
});

async function seed(client: Client, now: number): Promise<void> {
  await migrate(client, { now });
  await upsertProject(client, { id: 'acme', name: 'Acme' }, now);
  for (const c of CLUSTERS) await upsertCluster(client, c, now);
  await upsertApp(client, app('chat', { kind: 'any' }), now);
  await upsertApp(client, app('eu-assist', { kind: 'continents', continents: ['EU'] }), now);
  for (const c of CLUSTERS) {
    const states = ['acme/chat', 'acme/eu-assist'].map((appId) => ({
      clusterId: c.id, appId, hotFree: 40, hotBusy: 120, warm: 64, cold: 160, queued: 3, gpuType: 'H100', pricePerHour: 3,
      health: 'healthy' as const, lastServedAt: now, observedAt: now,
    }));
    const status = { clusterId: c.id, health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: now };
    await pushClusterState(client, c.id, { states, status, endpoints: [] }, now);
  }
  // One proxy per region reports every cluster (the health rows the snapshot reads).
  const health = REGIONS.flatMap(([region]) => CLUSTERS.map((c) => ({
    sql: `INSERT INTO proxy_cluster_health (proxy_id, cluster_id, health, circuit_open, rtt_ms, ttft_ms, samples, observed_at) VALUES (?, ?, 'healthy', 0, 40, 90, 100, ?)`,
    args: [`proxy-${region}`, c.id, now],
  })));
  await client.batch(health, 'write');
  // Decisions and their outcomes: 80 % chat over all clusters, 20 % eu-assist over the EU ones.
  const pad = 'x'.repeat(Math.max(0, INPUT_BYTES - 120));
  const total = RATE * HISTORY_S;
  const CHUNK = 500;
  for (let start = 0; start < total; start += CHUNK) {
    const d: Array<string | number> = [];
    const o: Array<string | number> = [];
    const n = Math.min(CHUNK, total - start);
    for (let k = 0; k < n; k++) {
      const i = start + k;
      const at = now - HISTORY_S * 1000 + Math.floor((i * 1000) / RATE);
      const eu = i % 5 === 0;
      const cluster = eu ? EU[(i * 7) % EU.length] : CLUSTERS[(i * 13) % CLUSTERS.length]?.id;
      const colo = COLOS[i % COLOS.length] as string;
      d.push(`d${i}`, at, eu ? 'acme/eu-assist' : 'acme/chat', `{"v":1,"request":{"client":{"colo":"${colo}"}},"pad":"${pad}"}`);
      o.push(`d${i}`, ...(OUTCOME_APP ? [eu ? 'acme/eu-assist' : 'acme/chat'] : []), `proxy-${i % 10}`, cluster as string, i % 97 === 0 ? 503 : 200, at + 50);
    }
    await client.batch(
      [
        {
          sql: `INSERT INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, explanation_json, input_json) VALUES ${Array(n).fill("(?, ?, ?, 'v1/chat/completions', 0, 'routed', NULL, 'fastest-predicted', 'default', 's', 0, '{}', ?)").join(', ')}`,
          args: d,
        },
        {
          sql: `INSERT INTO outcomes (decision_id, ${OUTCOME_APP ? 'app_id, ' : ''}attempt, proxy_id, cluster_id, endpoint, status, ttfb_ms, duration_ms, bytes_in, bytes_out, error, at) VALUES ${Array(n).fill(`(?, ${OUTCOME_APP ? '?, ' : ''}0, ?, ?, NULL, ?, 80, 900, 400, 2000, NULL, ?)`).join(', ')}`,
          args: o,
        },
      ],
      'write',
    );
  }
}

const TENANTS = SNAPSHOT_PARTS.indexOf('tenants');

function quantile(sorted: readonly number[], q: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(1));
}

type Parts = 'all' | 'without tenants' | 'outcomes' | 'inflow' | 'tenants';

async function time(client: Client, appId: string, now: number, parts: Parts): Promise<{ p50: number; p90: number; max: number }> {
  const all = APP_SNAPSHOT_STATEMENTS(appId, now - OUTCOME_WINDOW_MS, now).map((s) => ({ sql: s.sql, args: [...s.args] }));
  const one = parts === 'all' || parts === 'without tenants' ? null : all[SNAPSHOT_PARTS.indexOf(parts)];
  const batch = one === undefined || one === null ? (parts === 'all' ? all : all.slice(0, TENANTS)) : [one];
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS + 2; i++) {
    const t0 = performance.now();
    const rs = await client.batch(batch, 'read');
    if (one === null && buildAppSnapshot(rs, now) === null) throw new Error(`${appId}: no snapshot`);
    if (i >= 2) samples.push(performance.now() - t0); // two warm-ups (page cache, statement cache)
  }
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p90: quantile(samples, 0.9), max: quantile(samples, 1) };
}

async function plans(client: Client, now: number): Promise<void> {
  const all = APP_SNAPSHOT_STATEMENTS('acme/chat', now - OUTCOME_WINDOW_MS, now);
  for (const part of ['outcomes', 'inflow', 'tenants'] as const) {
    const s = all[SNAPSHOT_PARTS.indexOf(part)];
    if (s === undefined) continue;
    const rs = await client.execute({ sql: `EXPLAIN QUERY PLAN ${s.sql}`, args: [...s.args] });
    process.stdout.write(`plan of ${part}:\n${rs.rows.map((r) => `  ${String(r['detail'])}`).join('\n')}\n`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-snapshot-load-'));
  const dbPath = join(dir, 'db.sqlite');
  const now = Date.now();
  const t0 = performance.now();
  const writer = openStore({ url: `file:${dbPath}` });
  await seed(writer.client, now);
  process.stdout.write(`seeded ${CLUSTERS.length} clusters, 2 apps, ${RATE * HISTORY_S} decisions + outcomes (${RATE}/s over ${HISTORY_S} s, input_json ${INPUT_BYTES} B, outcome app_id ${OUTCOME_APP ? 'written' : 'copied by the database'}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const hrana = await startHranaServer({ dbPath, port: 0 });
  try {
    await plans(writer.client, now);
    const modes = [['file', `file:${dbPath}`], ['hrana-http', hrana.url]] as const;
    for (const [mode, url] of modes.filter(([m]) => (process.env['BENCH_MODES'] ?? 'file,hrana-http').split(',').includes(m))) {
      const reader = openStore({ url });
      for (const appId of ['acme/chat', 'acme/eu-assist']) {
        for (const parts of ['all', 'without tenants', 'outcomes', 'inflow', 'tenants'] as const) {
          const r = await time(reader.client, appId, now, parts);
          process.stdout.write(`${JSON.stringify({ mode, appId, parts, ...r, timeoutMs: EDGE_DB_TIMEOUT_MS })}\n`);
        }
      }
      reader.client.close();
    }
  } finally {
    await hrana.close();
    writer.client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
