/**
 * In-region path latency (issue 18 #1): the same minimal upstream (bench/proxy/upstream.ts, own
 * process) reached directly, through the regional proxy with an edge routing token (the edge
 * path's proxy hop), and through the proxy's in-region path with a service key (key check,
 * decision on the proxy's libSQL snapshot, decision recorded). The proxy is `proxy/src/server.ts`
 * in its own process over a real libSQL file database. Closed loop, 1 connection, keep-alive GET.
 *
 *   npx tsx bench/in-region.ts          (BENCH_SECONDS=5 BENCH_ROUNDS=3 to tune)
 *
 * Prints a markdown table; "added" = p50 / p99 minus direct's in the same round.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { createServiceKey } from '../control/cli/commands/service-keys.ts';
import { hashApiKey } from '../control/config/api-key-hash.ts';
import { migrate } from '../control/store/migrate.ts';
import { openStore } from '../control/store/open-store.ts';
import { pushClusterState } from '../control/store/push-cluster-state.ts';
import { sampleApp, sampleCluster, sampleState } from '../control/store/test-fixtures.ts';
import { upsertApiKey } from '../control/store/upsert-api-key.ts';
import { upsertApp } from '../control/store/upsert-app.ts';
import { upsertCluster } from '../control/store/upsert-cluster.ts';
import { upsertProject } from '../control/store/upsert-project.ts';
import { DEFAULT_REQUEST_RULES } from '../shared/domain/types.ts';
import { generateKeyPair, importSigningKey, signRoutingToken } from '../shared/tokens/index.ts';
import { firstJsonLine, tsx } from './child-process.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

interface Result {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  readonly errors: number;
}

async function loop(origin: string, path: string, headers: Record<string, string>): Promise<Result> {
  const pool = new Pool(origin, { connections: 1, keepAliveTimeout: 60_000 });
  const samples: number[] = [];
  let errors = 0;
  const warmUntil = Date.now() + 1000;
  const stopAt = warmUntil + SECONDS * 1000;
  while (Date.now() < stopAt) {
    const t0 = process.hrtime.bigint();
    const r = await pool.request({ path, method: 'GET', headers });
    await r.body.dump();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.statusCode !== 200) errors++;
    if (Date.now() >= warmUntil) samples.push(ms);
  }
  await pool.close();
  samples.sort((a, b) => a - b);
  const pct = (p: number): number => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? NaN;
  return { p50: pct(50), p99: pct(99), rps: samples.length / SECONDS, errors };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-bench-in-region-'));
  const upstream = tsx('bench/proxy/upstream.ts');
  const { port: upPort } = await firstJsonLine<{ port: number }>(upstream, (v) => 'port' in v);
  const upOrigin = `http://127.0.0.1:${upPort}`;
  const dbUrl = `file:${join(dir, 'bench.db')}`;
  const store = openStore({ url: dbUrl });
  const db = store.client;
  await migrate(db);
  const now = Date.now();
  await upsertProject(db, { id: 'bench', name: 'Bench' }, now);
  await upsertApiKey(db, { id: 'k1', projectId: 'bench', hash: hashApiKey('sk-bench-project-key-0123456789'), revoked: false }, now);
  await upsertCluster(db, sampleCluster('c1', { region: 'r1', proxyId: 'bench' }), now);
  await upsertApp(db, sampleApp('bench', 'app', { clusters: ['c1'], authRequired: true, requests: { ...DEFAULT_REQUEST_RULES, functions: ['*'] } }), now);
  await pushClusterState(db, 'c1', {
    // Fresh for the whole run: a stale state would only change the decision's explanation.
    states: [sampleState('c1', 'bench/app', { observedAt: now + 3_600_000 })],
    status: { clusterId: 'c1', health: 'healthy', circuitOpen: false, draining: false, observedAt: now + 3_600_000 },
    endpoints: [{ appId: 'bench/app', url: upOrigin, healthy: true, weight: 1 }],
  }, now);
  const serviceKey = (await createServiceKey(db, 'bench/app', 'svc-bench', now)).key;
  const pair = await generateKeyPair('bench');
  const token = await signRoutingToken(
    { aud: 'bench', app: 'bench/app', fn: '*', cluster: 'c1', fallbacks: [], did: 'bench-decision' },
    await importSigningKey(pair.privateJwk),
    { now, ttlSeconds: 3600 },
  );
  const proxy = tsx('proxy/src/server.ts', [], {
    PROXY_ID: 'bench',
    PROXY_REGION: 'r1',
    PROXY_PORT: '0',
    PROXY_JWKS: JSON.stringify({ keys: [pair.publicJwk] }),
    SWITCHYARD_DB_URL: dbUrl,
    PROXY_LOG_LEVEL: 'silent',
  });
  const { url } = await firstJsonLine<{ url: string }>(proxy, (v) => v['msg'] === 'proxy ready');
  const rows: string[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const direct = await loop(upOrigin, '/', {});
      const viaToken = await loop(url, '/v4/bench/app/small', { 'x-switchyard-token': token });
      const inRegion = await loop(url, '/v4/bench/app/small', { authorization: `Bearer ${serviceKey}` });
      const row = (name: string, r: Result): string =>
        `| ${round} | ${name} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${name === 'direct' ? '—' : `${(r.p50 - direct.p50).toFixed(3)} / ${(r.p99 - direct.p99).toFixed(3)}`} | ${Math.round(r.rps)} | ${r.errors} |`;
      rows.push(row('direct', direct), row('proxy, edge token', viaToken), row('proxy, in-region (service key)', inRegion));
      process.stderr.write(`round ${round} done\n`);
    }
  } finally {
    proxy.kill('SIGTERM');
    upstream.kill('SIGTERM');
    store.close();
  }
  process.stdout.write(
    `| round | path | p50 ms | p99 ms | added p50 / p99 | req/s | errors |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
  );
}

await main();
