/**
 * An aggregator config names its apps by hand (`apps: acme/chat: replicas`). One naming an app the
 * database has no row for (a typo, `acme/chta`, or an app not applied yet) pushed its capacity
 * under that id without a word: the app meant got none from the cluster, so the edge routed it
 * in panic and its proxy refused it 503 no-endpoints (new-user walkthrough, session 47). The
 * aggregator now names such an app once, and says when it has been applied.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../sim-cluster/server.ts';
import { sampleApp, sampleCluster } from '../store/test-fixtures.ts';
import { upsertApp } from '../store/upsert-app.ts';
import { upsertCluster } from '../store/upsert-cluster.ts';
import { upsertProject } from '../store/upsert-project.ts';
import type { AggregatorLogger } from './logger.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, startReplicas, tempDb, type TempDb } from './test-fixtures.ts';

let replicas: SimCluster[] = [];
let db: TempDb;
let agg: Aggregator;
const logs: Array<{ level: string; msg: string; app?: string }> = [];
const record = (level: string) => (o: object, msg: string): void => void logs.push({ level, msg, ...(o as { app?: string }) });
const logger: AggregatorLogger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };

beforeAll(async () => {
  replicas = await startReplicas(1, 4);
  db = await tempDb('agg-unknown-app-');
  await upsertProject(db.store.client, { id: 'acme', name: 'Acme' }, 1);
  await upsertCluster(db.store.client, sampleCluster('c1'), 1);
  await upsertApp(db.store.client, sampleApp('acme', 'chat', { clusters: ['c1'] }), 1);
  const app = (appId: string) => ({ appId, gpuType: 'H100', slotsPerReplica: 4, replicas: replicas.map((r) => r.url), warm: null, cold: null });
  agg = startAggregator(aggregatorConfig([app('acme/chat'), app('acme/chta')]), { client: db.store.client, logger });
});
afterAll(async () => {
  await agg.stop();
  await Promise.all(replicas.map((r) => r.close()));
  db.cleanup();
});

const about = (app: string) => logs.filter((l) => l.app === app && (l.level === 'warn' || l.msg.startsWith('app applied')));

it('names the app the database does not have, once, and not the one it has', async () => {
  expect((await agg.tickNow()).pushed).toBe(true);
  expect((await agg.tickNow()).pushed).toBe(true);
  expect(about('acme/chta')).toEqual([
    { level: 'warn', app: 'acme/chta', msg: 'not an app in the database: its capacity is pushed, but nothing routes to it; check the id against the applied config (switchyard apply), or apply the app' },
  ]);
  expect(about('acme/chat')).toEqual([]);
});

it('says so when the app is applied', async () => {
  await upsertApp(db.store.client, sampleApp('acme', 'chta', { clusters: ['c1'] }), 2);
  expect((await agg.tickNow()).pushed).toBe(true);
  expect(about('acme/chta').map((l) => l.level)).toEqual(['warn', 'info']);
  expect(about('acme/chta')[1]?.msg).toBe('app applied: its capacity is routed now');
});
