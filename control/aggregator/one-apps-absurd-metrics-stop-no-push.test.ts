/**
 * One app's replicas reporting absurd counts must not stop the push of every app on the cluster.
 * Each gauge was checked finite but not the sum: two replicas at `1e308` running made the app's
 * `hot_busy` Infinity, libSQL refused the argument, and the cluster's whole batch (every app's
 * row, the status, the endpoints) failed on every tick. Now such a replica is a bad scrape, as a
 * garbage page is (bad-scrapes-mark-replicas-unhealthy.test.ts). Real HTTP replicas, real libSQL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../sim-cluster/server.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, startReplicas, stateRow, tempDb, type TempDb } from './test-fixtures.ts';

let good: SimCluster[] = [];
let absurd: Server[] = [];
let db: TempDb;
let agg: Aggregator;

beforeAll(async () => {
  good = await startReplicas(1, 3);
  absurd = [0, 1].map(() =>
    createServer((req, res) => {
      if (req.url === '/metrics') res.end('vllm:num_requests_running 1e308\nvllm:num_requests_waiting 0\n');
      else res.end('ok');
    }),
  );
  await Promise.all(absurd.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  db = await tempDb('agg-absurd-');
  const absurdUrls = absurd.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
  agg = startAggregator(
    aggregatorConfig([
      { appId: 'evil/app', gpuType: 'H100', slotsPerReplica: 3, replicas: absurdUrls, warm: null, cold: null },
      { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 3, replicas: [good[0]?.url ?? ''], warm: null, cold: null },
    ]),
    { client: db.store.client },
  );
});

afterAll(async () => {
  await agg.stop();
  await Promise.all([...good.map((r) => r.close()), ...absurd.map((s) => new Promise((r) => s.close(r)))]);
  db.cleanup();
});

describe("one app's absurd replica metrics affect only that app's row", () => {
  it('pushes the cluster, the healthy app with its capacity and the absurd app as unhealthy', async () => {
    const r = await agg.tickNow();
    expect(r.error).toBeNull();
    expect(r.pushed).toBe(true);
    expect(await stateRow(db.store.client, 'acme/chat')).toMatchObject({ hot_free: 3, hot_busy: 0, health: 'healthy' });
    expect(await stateRow(db.store.client, 'evil/app')).toMatchObject({ hot_free: 0, hot_busy: 0, queued: 0, health: 'unhealthy' });
    const evil = r.snapshot.endpoints.filter((e) => e.appId === 'evil/app');
    expect(evil.map((e) => e.healthy)).toEqual([false, false]);
  });
});
