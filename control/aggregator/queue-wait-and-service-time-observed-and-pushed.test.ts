/**
 * The queue wait and service time the decision's queue term reads (`queueWaitMs`, `serviceMs`)
 * were never reported outside the simulator: the aggregator pushed neither, so every app's queue
 * was priced with the policy's 10 s service time whatever its engine did. It now reads them from
 * the engine's request-time histograms (vLLM's queue and running time; SGLang's queue time and
 * end-to-end latency) between two scrapes: real sim replicas under each engine's names, a real
 * aggregator, real libSQL, and the edge's own snapshot read of the row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleApp } from '../store/test-fixtures.ts';
import { upsertApp } from '../store/upsert-app.ts';
import { upsertProject } from '../store/upsert-project.ts';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { startSimCluster, type SimCluster } from '../sim-cluster/server.ts';
import type { MetricNames } from '../sim-cluster/engine-families.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, stateRow, tempDb, type TempDb } from './test-fixtures.ts';

// One slot, 10 tokens at 20 tokens/s: each request holds it ~0.5 s, so of three sent at once the
// second waits ~0.5 s and the third ~1 s: a mean wait of ~0.5 s over the three.
const HOLD_MS = 500;

describe.each<MetricNames>(['vllm', 'sglang'])('an app on %s replicas', (names) => {
  let replica: SimCluster;
  let db: TempDb;
  let agg: Aggregator;
  let clock = 1_000_000;
  beforeAll(async () => {
    replica = await startSimCluster({ clusterId: 'c1', replicaId: 'r0', port: 0, model: 'm', slots: 1, queue: 8, tokensPerSecond: 20, coldStartMs: 0, gpuType: 'H100', metricNames: names });
    db = await tempDb('agg-queue-wait-');
    const app = { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 1, replicas: [replica.url], warm: null, cold: null };
    agg = startAggregator(aggregatorConfig([app]), { client: db.store.client, now: () => clock });
  });
  afterAll(async () => {
    await agg.stop();
    await replica.close();
    db.cleanup();
  });

  async function tick(): Promise<Record<string, unknown> | undefined> {
    clock += 5_000;
    expect((await agg.tickNow()).error).toBeNull();
    return stateRow(db.store.client, 'acme/chat');
  }

  const chat = (): Promise<string> =>
    fetch(`${replica.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 }),
    }).then((r) => r.text());

  it('reports neither before a request was admitted between two scrapes', async () => {
    await tick();
    expect(await tick()).toMatchObject({ queue_wait_ms: null, service_ms: null });
  });

  it('reports the mean wait and the running time of the requests since the last scrape', async () => {
    await Promise.all([chat(), chat(), chat()]);
    const row = await tick();
    expect(Number(row?.['queue_wait_ms'])).toBeGreaterThan(HOLD_MS * 0.7);
    expect(Number(row?.['queue_wait_ms'])).toBeLessThan(HOLD_MS * 1.6);
    expect(Number(row?.['service_ms'])).toBeGreaterThan(HOLD_MS * 0.8);
    expect(Number(row?.['service_ms'])).toBeLessThan(HOLD_MS * 1.6);
  });

  it('requests that did not wait pull the wait down, and the service time stays', async () => {
    const before = Number((await stateRow(db.store.client, 'acme/chat'))?.['queue_wait_ms']);
    await chat(); // alone: admitted at once
    const row = await tick();
    expect(Number(row?.['queue_wait_ms'])).toBeLessThan(before * 0.8);
    expect(Number(row?.['service_ms'])).toBeGreaterThan(HOLD_MS * 0.8);
  });

  it("the edge's snapshot read carries them to the decision", async () => {
    await upsertProject(db.store.client, { id: 'acme', name: 'Acme' }, clock);
    await upsertApp(db.store.client, sampleApp('acme', 'chat', { clusters: ['c1'] }), clock);
    await Promise.all([chat(), chat()]);
    await tick();
    const state = (await loadAppSnapshot(db.store.client, 'acme/chat', clock))?.state.get('c1');
    expect(state?.queueWaitMs).toBeGreaterThan(0);
    expect(state?.serviceMs).toBeGreaterThan(HOLD_MS * 0.8);
  });
});
