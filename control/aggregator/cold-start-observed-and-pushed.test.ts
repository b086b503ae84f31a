/**
 * A real sim replica that has to load its model (a cold start) is seen starting by one scrape
 * and ready by a later one; the aggregator times that, folds it into the app's moving average
 * and pushes it to libSQL, while the tier it has not observed keeps the config default.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../sim-cluster/server.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, stateRow, tempDb, waitFor, type TempDb } from './test-fixtures.ts';

let replica: SimCluster;
let db: TempDb;
let agg: Aggregator;
let clock = 1_000_000;
// The sim's load takes 2 s of real time so the scrape that must see it loading does, even on a
// busy machine; the aggregator's own clock is stepped by the test, so the durations are exact.

beforeAll(async () => {
  replica = await startSimCluster({ clusterId: 'c1', replicaId: 'r0', port: 0, model: 'm', slots: 2, queue: 4, tokensPerSecond: 1000, coldStartMs: 2_000, gpuType: 'H100' });
  db = await tempDb('agg-cold-start-');
  // Split between warm and cold samples at sqrt(1 000 × 10 000) ≈ 3 162 ms.
  const app = { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 2, replicas: [replica.url], warm: null, cold: null, warmStartMs: 1_000, coldStartMs: 10_000 };
  agg = startAggregator(aggregatorConfig([app]), { client: db.store.client, now: () => clock });
});

afterAll(async () => {
  await agg.stop();
  await replica.close();
  db.cleanup();
});

async function tickAt(t: number): Promise<Record<string, unknown> | undefined> {
  clock = t;
  const r = await agg.tickNow();
  expect(r.error).toBeNull();
  return stateRow(db.store.client, 'acme/chat');
}

/** Sends one request that pays the model load, and returns once the replica is loading. */
async function wakeReplica(): Promise<{ done: Promise<Response> }> {
  const done = fetch(`${replica.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
  });
  await waitFor(async () => replica.control.snapshot().running > 0, 'the request to hold a slot');
  // Wrapped: an async function returning the bare promise would wait for the response.
  return { done };
}

describe('a cold start on a real sim replica', () => {
  it('reports the config defaults before any start-up was seen', async () => {
    const row = await tickAt(1_000_000);
    expect(row).toMatchObject({ warm_start_ms: 1_000, cold_start_ms: 10_000 });
  });

  it('times the model load from the scrape that saw it loading to the one that saw it ready', async () => {
    const { done } = await wakeReplica();
    expect(await tickAt(1_001_000)).toMatchObject({ cold_start_ms: 10_000 }); // still loading
    const res = await done;
    expect(res.headers.get('x-sim-cold-start-ms')).not.toBeNull();
    await res.text();
    const row = await tickAt(1_006_000);
    expect(row).toMatchObject({ warm_start_ms: 1_000, cold_start_ms: 5_000 });
  });

  it('moves the average with the next cold start', async () => {
    replica.control.unloadModel();
    const { done } = await wakeReplica();
    await tickAt(1_010_000);
    await (await done).text();
    const row = await tickAt(1_017_000);
    // 5 000 + 0.3 × (7 000 − 5 000)
    expect(row).toMatchObject({ warm_start_ms: 1_000, cold_start_ms: 5_600 });
  });
});
