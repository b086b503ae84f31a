import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../sim-cluster/server.ts';
import { openStore, type Store } from '../store/open-store.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, occupySlot, startReplicas, stateRow, tempDb, waitFor, type TempDb } from './test-fixtures.ts';

let replicas: SimCluster[] = [];
let db: TempDb;
let reader: Store;
let agg: Aggregator;
const jobs: AbortController[] = [];
let clock = 1_000_000;

beforeAll(async () => {
  replicas = await startReplicas(2, 2);
  db = await tempDb('agg-fill-');
  // A second, independent client: what another process (the Worker's loader) would see.
  reader = openStore({ url: `file:${db.path}` });
  const app = { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 2, replicas: replicas.map((r) => r.url), warm: null, cold: null };
  // No replica here is ever slow on purpose (failing ones answer 503 at once): a generous scrape
  // deadline keeps a loaded CI machine's slow answers from reading as failures.
  agg = startAggregator(aggregatorConfig([app], { scrapeTimeoutMs: 10_000 }), { client: db.store.client, now: () => clock });
});

afterAll(async () => {
  for (const j of jobs) j.abort();
  await agg.stop();
  await Promise.all(replicas.map((r) => r.close()));
  reader.close();
  db.cleanup();
});

async function tick(): Promise<Record<string, unknown> | undefined> {
  clock += 1000;
  const r = await agg.tickNow();
  expect(r.error).toBeNull();
  return stateRow(reader.client, 'acme/chat');
}

async function clusterStatus(): Promise<unknown> {
  return (await reader.client.execute("SELECT health FROM cluster_status WHERE cluster_id = 'c1'")).rows[0]?.['health'];
}

describe('aggregator writes rows as replicas fill up, fail and recover', () => {
  it('registers the cluster and reports idle capacity', async () => {
    const row = await tick();
    expect(row).toMatchObject({ hot_free: 4, hot_busy: 0, queued: 0, warm: 8, cold: 32, gpu_type: 'H100', price_per_hour: 2.5, health: 'healthy', last_served_at: null, observed_at: clock });
    const cluster = (await reader.client.execute("SELECT region, provider, proxy_id FROM clusters WHERE id = 'c1'")).rows[0];
    expect(cluster).toMatchObject({ region: 'eu-west', provider: 'lambda', proxy_id: 'proxy-eu-west' });
    const endpoints = (await reader.client.execute("SELECT url, healthy FROM app_endpoints WHERE cluster_id = 'c1' ORDER BY url")).rows;
    expect(endpoints.map((e) => [e['url'], e['healthy']])).toEqual(replicas.map((r) => [r.url, 1]).sort());
    expect(await clusterStatus()).toBe('healthy');
  });

  it('hotFree drops and hotBusy rises as slots fill', async () => {
    const [a, b] = replicas;
    if (a === undefined || b === undefined) throw new Error('replicas missing');
    jobs.push(await occupySlot(a));
    expect(await tick()).toMatchObject({ hot_free: 3, hot_busy: 1, last_served_at: clock });
    jobs.push(await occupySlot(a), await occupySlot(b));
    expect(await tick()).toMatchObject({ hot_free: 1, hot_busy: 3 });
    jobs.push(await occupySlot(b));
    expect(await tick()).toMatchObject({ hot_free: 0, hot_busy: 4 });
  });

  it('one failing replica degrades the app; its free slots no longer count', async () => {
    for (const j of jobs.splice(0)) j.abort();
    // An abort frees its slot only once the replica sees the connection close.
    await waitFor(async () => replicas.every((r) => r.control.snapshot().running === 0), 'aborted jobs free their slots', 20_000);
    const [a] = replicas;
    a?.control.setFail(true);
    const row = await tick();
    expect(row).toMatchObject({ hot_free: 2, health: 'degraded' });
    const endpoints = (await reader.client.execute("SELECT url, healthy FROM app_endpoints WHERE cluster_id = 'c1'")).rows;
    expect(endpoints.find((e) => e['url'] === a?.url)?.['healthy']).toBe(0);
    expect(await clusterStatus()).toBe('degraded');
  });

  it('all replicas failing makes the app and cluster unhealthy', async () => {
    replicas[1]?.control.setFail(true);
    expect(await tick()).toMatchObject({ hot_free: 0, health: 'unhealthy' });
    expect(await clusterStatus()).toBe('unhealthy');
  });

  it('recovers to healthy with full capacity; lastServedAt is remembered', async () => {
    const servedAt = (await stateRow(reader.client, 'acme/chat'))?.['last_served_at'];
    for (const r of replicas) r.control.setFail(false);
    const row = await tick();
    expect(row).toMatchObject({ hot_free: 4, hot_busy: 0, health: 'healthy', last_served_at: servedAt });
    expect(await clusterStatus()).toBe('healthy');
  });
});
