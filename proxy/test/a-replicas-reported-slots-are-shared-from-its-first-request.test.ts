/**
 * P1 (tenant isolation), the gap finding F2's fix left: with the capacity learnt (the default),
 * nothing was held back until a shared replica had refused once, so one project's flood took every
 * slot and the other project's first request got the engine's `429 slots_full`. The aggregator
 * knows each replica's slots (its app's slotsPerReplica) and now pushes them with the replica
 * (app_endpoints.slots); the proxy shares a replica between projects from its first request.
 * Real parts: two sim replicas of 4 slots with no queue, the real aggregator scraping them into a
 * libSQL file, the proxy reading that file.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAggregator, type Aggregator } from '../../control/aggregator/start-aggregator.ts';
import { aggregatorConfig, tempDb, type TempDb } from '../../control/aggregator/test-fixtures.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { startReplica, startTestProxy } from './harness.ts';
import { floodUntilRefused, openChatStream, type Opened } from './stream-holding-replica.ts';

const HOG = 'hog/chat';
const QUIET = 'quiet/chat';
const SLOTS = 4;


describe("a replica's slots reported by its aggregator are shared between projects from its first request", () => {
  const replicas: SimCluster[] = [];
  const held: Opened[] = [];
  let db: TempDb;
  let agg: Aggregator;
  let proxy: RunningProxy;

  beforeAll(async () => {
    for (const name of ['r0', 'r1']) replicas.push(await startReplica('c1', name, { slots: SLOTS, queue: 'reject', tokensPerSecond: 5 }));
    db = await tempDb('sy-reported-slots-');
    const urls = replicas.map((r) => r.url);
    const apps = [HOG, QUIET].map((appId) => ({ appId, gpuType: 'H100', slotsPerReplica: SLOTS, replicas: urls, warm: null, cold: null }));
    agg = startAggregator(aggregatorConfig(apps, { scrapeTimeoutMs: 10_000 }), { client: db.store.client });
    expect((await agg.tickNow()).error).toBeNull();
    // PROXY_REPLICA_SLOTS left at its default, `learn`: before, nothing was known until a 429.
    proxy = await startTestProxy({ endpoints: [], config: { endpointsFile: null, storeUrl: `file:${db.path}` } });
  });
  afterEach(() => {
    for (const h of held.splice(0)) h.req.destroy();
  });
  afterAll(async () => {
    await proxy.close();
    await agg.stop();
    await Promise.all(replicas.map((r) => r.close()));
    db.cleanup();
  });

  it('keeps a slot of each replica for the other project, which is served, and the engine never refuses', async () => {
    for (const r of replicas) expect(proxy.runtime.replicaShares.capacityOf(r.url, proxy.runtime.now())).toBe(SLOTS);
    const refusal = await floodUntilRefused(proxy.url, HOG, 4 * SLOTS, held);
    // Before: the flood held all 8 slots and its ninth request got the engine's slots_full.
    expect(held).toHaveLength(6);
    expect(refusal?.status).toBe(429);
    expect(refusal?.res.headers['x-switchyard-refused']).toBe('not-started');
    expect(JSON.parse((await refusal?.body) ?? '{}')).toMatchObject({ error: { code: 'replica-share-exceeded' } });
    for (const r of replicas) expect(proxy.runtime.replicaShares.held(r.url, 'hog')).toBe(3);

    const quiet = await openChatStream(proxy.url, QUIET);
    expect(quiet.status).toBe(200);
    held.push(quiet);
  });
});
