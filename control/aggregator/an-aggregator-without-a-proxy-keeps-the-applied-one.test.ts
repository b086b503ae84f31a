/**
 * The proxy in front of a cluster is fleet config (`switchyard apply`). An aggregator had to name
 * it too and rewrote the clusters row with its own on every (re)connection: one started from
 * examples/aggregator.yaml against a stack on other ports re-pointed the cluster's traffic at a
 * proxy that was not there (new-user walkthrough L4). An aggregator config may now leave the proxy
 * out: it then updates the cluster's facts under the applied proxy, and waits, saying why, while
 * the cluster is not registered. Real libSQL file database, real simulated replicas.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../sim-cluster/server.ts';
import { sampleCluster } from '../store/test-fixtures.ts';
import { upsertCluster } from '../store/upsert-cluster.ts';
import { validateAggregatorConfig } from './aggregator-config.ts';
import type { AggregatorLogger } from './logger.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, startReplicas, tempDb, type TempDb } from './test-fixtures.ts';

let replicas: SimCluster[] = [];
let db: TempDb;
let agg: Aggregator;
const errors: string[] = [];
const logger: AggregatorLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: (_o, msg) => void errors.push(msg) };

beforeAll(async () => {
  replicas = await startReplicas(1, 4);
  db = await tempDb('agg-no-proxy-');
  const base = aggregatorConfig([{ appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 4, replicas: replicas.map((r) => r.url), warm: null, cold: null }]);
  const cluster = { ...base.cluster, provider: 'coreweave', proxyUrl: null, proxyId: null };
  agg = startAggregator({ ...base, cluster }, { client: db.store.client, logger });
});
afterAll(async () => {
  await agg.stop();
  await Promise.all(replicas.map((r) => r.close()));
  db.cleanup();
});

const clusterRow = async () => (await db.store.client.execute("SELECT provider, proxy_url, proxy_id FROM clusters WHERE id = 'c1'")).rows[0];
const stateRows = async () => Number((await db.store.client.execute("SELECT COUNT(*) AS n FROM cluster_app_state WHERE cluster_id = 'c1'")).rows[0]?.['n']);

it('an unregistered cluster: no push, and the log says how to register it', async () => {
  const t = await agg.tickNow();
  expect(t.pushed).toBe(false);
  expect(t.error).toContain('cluster c1 is not registered and this aggregator names no proxy for it: register it with `switchyard apply`');
  expect(errors.some((m) => m.startsWith('cluster c1 is not registered'))).toBe(true);
  expect(await clusterRow()).toBeUndefined();
  expect(await stateRows()).toBe(0);
});

it('once applied: pushes its state and keeps the applied proxy', async () => {
  await upsertCluster(db.store.client, sampleCluster('c1', { proxyUrl: 'https://proxy-eu.example.com', proxyId: 'proxy-eu-applied' }), 1);
  const t = await agg.tickNow();
  expect(t.error).toBeNull();
  expect(t.pushed).toBe(true);
  expect(await clusterRow()).toMatchObject({ provider: 'coreweave', proxy_url: 'https://proxy-eu.example.com', proxy_id: 'proxy-eu-applied' });
  expect(await stateRows()).toBe(1);
});

it.each([
  [{ proxyUrl: 'http://127.0.0.1:8799' }, 'cluster.proxyId'],
  [{ proxyId: 'proxy-eu' }, 'cluster.proxyUrl'],
])('a config naming half a proxy is refused: %o', (half, path) => {
  const raw = { cluster: { id: 'c1', region: 'eu-west', provider: 'lambda', ...half }, gpus: { H100: 2 }, apps: { 'acme/chat': { slotsPerReplica: 1, replicas: ['http://127.0.0.1:9101'] } } };
  const r = validateAggregatorConfig(raw, 'a.yaml');
  expect(r.ok).toBe(false);
  expect(r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
    `${path}: set proxyUrl and proxyId together (the proxy in front of this cluster), or neither to keep the proxy \`switchyard apply\` registered`,
  ]);
});
