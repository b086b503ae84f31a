/**
 * P1 (tenant isolation), the gap session 45 saw live: each proxy shared a replica between projects
 * by its own holds, so a flood sent through two proxies (one failing it over from its own full
 * region) got a share at each and filled the engine; the other project's first request then
 * waited in the engine's queue (21 s) or was refused. The proxies now publish their holds at shared
 * replicas through libSQL and count each other's. Real parts: one 4-slot sim replica with no queue
 * listed by two projects' apps, the real aggregator reporting it into a libSQL file, two proxies
 * reading that file.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAggregator, type Aggregator } from '../../control/aggregator/start-aggregator.ts';
import { aggregatorConfig, tempDb, type TempDb } from '../../control/aggregator/test-fixtures.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReplica, startTestProxy, waitFor } from './harness.ts';
import { startProxyInWorkers } from './proxy-in-workers.ts';
import { floodUntilRefused, openChatStream, type Opened } from './stream-holding-replica.ts';

const HOG = 'hog/chat';
const QUIET = 'quiet/chat';
const SLOTS = 4;
// Slow enough that a loaded machine still completes a sync within the rows' life (3 intervals).
const INTERVAL_MS = 250;

async function reportedReplica(prefix: string): Promise<{ replica: SimCluster; db: TempDb; agg: Aggregator }> {
  const replica = await startReplica('c1', 'r0', { slots: SLOTS, queue: 'reject', tokensPerSecond: 5 });
  const db = await tempDb(prefix);
  const apps = [HOG, QUIET].map((appId) => ({ appId, gpuType: 'H100', slotsPerReplica: SLOTS, replicas: [replica.url], warm: null, cold: null }));
  const agg = startAggregator(aggregatorConfig(apps, { scrapeTimeoutMs: 10_000 }), { client: db.store.client });
  expect((await agg.tickNow()).error).toBeNull();
  return { replica, db, agg };
}

describe('a flood sent through two proxies gets one share of a shared replica, not one per proxy', () => {
  const held: Opened[] = [];
  let replica: SimCluster;
  let db: TempDb;
  let agg: Aggregator;
  let a: RunningProxy;
  let b: RunningProxy;

  beforeAll(async () => {
    ({ replica, db, agg } = await reportedReplica('sy-two-proxy-shares-'));
    const start = (id: string): Promise<RunningProxy> =>
      startTestProxy({ endpoints: [], config: { id, endpointsFile: null, storeUrl: `file:${db.path}`, limitLeaseIntervalMs: INTERVAL_MS } });
    a = await start('proxy-a');
    b = await start('proxy-b');
  });
  afterEach(() => {
    for (const h of held.splice(0)) h.req.destroy();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await agg.stop();
    await replica.close();
    db.cleanup();
  });

  it('refuses the flood at the second proxy and serves the other project', async () => {
    const refusedAtA = await floodUntilRefused(a.url, HOG, 2 * SLOTS, held);
    expect(held).toHaveLength(3);
    expect(refusedAtA?.status).toBe(429);
    // b learns what a holds within a sync or two.
    await waitFor(() => b.runtime.replicaShares.verdict(replica.url, 'hog', b.runtime.now()) === 'over-share', "proxy b counting proxy a's holds");
    const refusedAtB = await openChatStream(b.url, HOG);
    // Before: b held nothing there, sent the flood's 4th stream and the engine was full.
    expect(refusedAtB.status).toBe(429);
    expect(refusedAtB.res.headers['x-switchyard-refused']).toBe('not-started');
    expect(JSON.parse(await refusedAtB.body)).toMatchObject({ error: { code: 'replica-share-exceeded' } });

    const quiet = await openChatStream(b.url, QUIET);
    expect(quiet.status).toBe(200);
    held.push(quiet);
  });
});

// The same through one `switchyard proxy` of two worker processes: each worker is a holder
// (`<id>#<index>`) and counts its sibling's holds. Before, each worker shared the replica alone.
describe("a flood spread over a proxy's worker processes gets one share of a shared replica", () => {
  const held: Opened[] = [];
  let parts: Awaited<ReturnType<typeof reportedReplica>>;
  let proxy: RunningProxy;

  beforeAll(async () => {
    parts = await reportedReplica('sy-worker-shares-');
    const dir = await mkdtemp(join(tmpdir(), 'sy-worker-shares-proxy-'));
    const flags = { id: 'proxy-w', port: 0, logLevel: 'silent', authDisabled: true, healthCheckIntervalMs: 60_000, storeUrl: `file:${parts.db.path}`, limitLeaseIntervalMs: INTERVAL_MS };
    proxy = await startProxyInWorkers(dir, flags, 2);
  });
  afterAll(async () => {
    for (const h of held.splice(0)) h.req.destroy();
    await proxy.close();
    await parts.agg.stop();
    await parts.replica.close();
    parts.db.cleanup();
  });

  it('refuses the flood at its share whichever worker takes it, and serves the other project', async () => {
    // Paced a few syncs apart: each worker has read the other's holds before the next request.
    let refused: Opened | null = null;
    for (let i = 0; i < 2 * SLOTS && refused === null; i++) {
      const o = await openChatStream(proxy.url, HOG);
      if (o.status === 200) held.push(o);
      else refused = o;
      await new Promise((r) => setTimeout(r, 6 * INTERVAL_MS));
    }
    expect(held).toHaveLength(3);
    expect(refused?.status).toBe(429);
    expect(JSON.parse((await refused?.body) ?? '{}')).toMatchObject({ error: { code: 'replica-share-exceeded' } });
    const quiet = await openChatStream(proxy.url, QUIET);
    expect(quiet.status).toBe(200);
    held.push(quiet);
  });
});
