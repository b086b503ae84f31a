/**
 * A spend budget is global: two proxies share one libSQL, and what one proxy charged (the
 * engine's usage × the configured prices) is refused on the other once their spend sync ran.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { startProxy, type RunningProxy } from '../src/proxy.ts';
import { libsqlProxyStore } from '../src/store.ts';
import { APP, chatBody, rawRequest, startReplica, testConfig, testKeys, waitFor } from './harness.ts';

let sim: SimCluster;
let db: Client;
let a: RunningProxy;
let b: RunningProxy;
let keys: Awaited<ReturnType<typeof testKeys>>;

// $1 per output token, prompts free: 10 completion tokens spend the whole $10 day.
const tokenBudget = { spend: { usd: 10, period: 'day' }, pricePerMillionTokens: { input: 0, output: 1_000_000 } };

beforeAll(async () => {
  keys = await testKeys();
  sim = await startReplica('c1', 'r0', { tokensPerSecond: 400 });
  const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-spend-'));
  db = createClient({ url: `file:${join(dir, 'sy.db')}` });
  await migrate(db);
  const now = Date.now();
  await db.execute({ sql: 'INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)', args: ['acme', 'Acme', now] });
  await db.execute({
    sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header, residency_json, gpu_types_json, cors_origins_json, requests_json, updated_at)
          VALUES (?, 'acme', 'chat', 'round-robin', 1, NULL, NULL, NULL, '{"kind":"any"}', '[]', '[]', ?, ?)`,
    args: [APP, JSON.stringify({ tokenBudget }), now],
  });
  await db.execute({
    sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
    args: ['c1', APP, sim.url, now],
  });
  // Project beta: a $10 day for all its apps; beta/chat has no budget of its own.
  await db.execute({ sql: 'INSERT INTO projects (id, name, token_budget_json, updated_at) VALUES (?, ?, ?, ?)', args: ['beta', 'Beta', JSON.stringify(tokenBudget), now] });
  await db.execute({
    sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header, residency_json, gpu_types_json, cors_origins_json, requests_json, updated_at)
          VALUES ('beta/chat', 'beta', 'chat', 'round-robin', 1, NULL, NULL, NULL, '{"kind":"any"}', '[]', '[]', '{}', ?)`,
    args: [now],
  });
  await db.execute({
    sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
    args: ['c1', 'beta/chat', sim.url, now],
  });
  const start = async (id: string): Promise<RunningProxy> => {
    const config = await testConfig(dir, { endpoints: [], jwks: keys.jwks, config: { limitLeaseIntervalMs: 100 } });
    return startProxy(
      { ...config, id, endpointsFile: null, storeUrl: `file:${join(dir, 'sy.db')}` },
      { store: libsqlProxyStore(db), logger: pino({ level: 'silent' }) },
    );
  };
  a = await start('proxy-test');
  b = await start('proxy-test-b');
});
afterAll(async () => {
  await a.close();
  await b.close();
  db.close();
  await sim.close();
});

const chat = async (proxy: RunningProxy, audience: string, app = APP) =>
  rawRequest(proxy.url, {
    path: `/v4/${app}/v1/chat/completions`,
    body: chatBody({ max_tokens: 10 }),
    headers: { 'x-switchyard-token': await keys.mint({ aud: audience, app }) },
  });

/** The budget key's row: an app id, or `project:<id>`. */
const row = async (proxyId: string, key = APP): Promise<{ usd: number; updatedAt: number } | null> => {
  const rs = await db.execute({ sql: 'SELECT usd, updated_at FROM token_spend WHERE app_id = ? AND proxy_id = ?', args: [key, proxyId] });
  const r = rs.rows[0];
  return r === undefined ? null : { usd: Number(r['usd']), updatedAt: Number(r['updated_at']) };
};

it('what one proxy spent is refused on the other', async () => {
  const first = await chat(a, 'proxy-test');
  expect(first.status).toBe(200);
  expect(first.headers['x-ratelimit-remaining-usd']).toBeDefined();
  await waitFor(async () => (await row('proxy-test'))?.usd === 10, 'proxy A to write its $10');
  const written = (await row('proxy-test'))?.updatedAt ?? 0;
  await waitFor(async () => ((await row('proxy-test-b'))?.updatedAt ?? 0) > written, 'proxy B to sync after it');
  const second = await chat(b, 'proxy-test-b');
  expect(second.status).toBe(429);
  expect(JSON.parse(second.body)).toMatchObject({ error: { code: 'spend-budget-exceeded' } });
  expect(second.headers['x-ratelimit-remaining-usd']).toBe('0.000000');
  expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
});

it("a project's spend is global too: what one proxy spent for the project is refused on the other, naming the project", async () => {
  const first = await chat(a, 'proxy-test', 'beta/chat');
  expect(first.status).toBe(200);
  expect(first.headers['x-ratelimit-remaining-project-usd']).toBeDefined();
  await waitFor(async () => (await row('proxy-test', 'project:beta'))?.usd === 10, 'proxy A to write the project\'s $10');
  const written = (await row('proxy-test', 'project:beta'))?.updatedAt ?? 0;
  await waitFor(async () => ((await row('proxy-test-b', 'project:beta'))?.updatedAt ?? 0) > written, 'proxy B to sync after it');
  const second = await chat(b, 'proxy-test-b', 'beta/chat');
  expect(second.status).toBe(429);
  expect(JSON.parse(second.body)).toMatchObject({ error: { code: 'project-spend-budget-exceeded' } });
  expect(second.headers['x-ratelimit-budget']).toBe('project beta');
  expect(second.headers['x-ratelimit-remaining-project-usd']).toBe('0.000000');
});
