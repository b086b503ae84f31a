import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../sim-cluster/server.ts';
import { readStatus, formatStatusTable } from './status-table.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, startReplicas, tempDb, type TempDb } from './test-fixtures.ts';

let replicas: SimCluster[] = [];
let db: TempDb;
let agg: Aggregator;

beforeAll(async () => {
  replicas = await startReplicas(2, 3);
  db = await tempDb('agg-status-');
  const app = (appId: string, urls: string[]) => ({ appId, gpuType: 'H100', slotsPerReplica: 3, replicas: urls, warm: null, cold: null });
  agg = startAggregator(aggregatorConfig([app('acme/chat', replicas.map((r) => r.url)), app('acme/train', [replicas[0]?.url ?? ''])]), {
    client: db.store.client,
    now: () => 50_000,
  });
});

afterAll(async () => {
  await agg.stop();
  await Promise.all(replicas.map((r) => r.close()));
  db.cleanup();
});

describe('status reads what the aggregator pushed', () => {
  it('shows per-app capacity, health and freshness', async () => {
    replicas[1]?.control.setFail(true);
    expect((await agg.tickNow()).pushed).toBe(true);
    const status = await readStatus(db.store.client);
    expect(status).toMatchObject([
      {
        id: 'c1',
        region: 'eu-west',
        provider: 'lambda',
        health: 'degraded',
        draining: false,
        observedAt: 50_000,
        apps: [
          { appId: 'acme/chat', hotFree: 3, health: 'degraded', pricePerHour: 2.5 },
          { appId: 'acme/train', hotFree: 3, health: 'healthy' },
        ],
      },
    ]);
    const table = formatStatusTable(status, 51_500).split('\n');
    expect(table[1]).toMatch(/^c1\s+eu-west\s+lambda\s+degraded\s+1\.5s\s+no\s+acme\/chat \(degraded\)\s+3\/0\s+8\s+32\s+0\s+H100\s+2\.50\s+-\/-\s+-\/-$/);
    expect(table[2]).toMatch(/^\s+acme\/train\s+3\/0/);
  });
});
