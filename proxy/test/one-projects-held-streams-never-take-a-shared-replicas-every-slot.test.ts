/**
 * P1 (tenant isolation), finding F2: two projects' apps list the same sim replicas (4 slots each,
 * no queue: a fifth request gets the engine's `429 slots_full`). A replica's slots were first come,
 * first served, so project `hog`'s long streams took every one and project `quiet` got
 * `slots_full`. Now the proxy keeps each replica's slots fair between projects: once a replica is
 * nearly full, a project over its share is sent to a sibling replica where it is within share, and
 * refused `429 replica-share-exceeded` (not started, so the edge re-sends it to its next cluster)
 * only when it is over share everywhere; the other project is still served there.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { startReplica, startTestProxy, waitFor } from './harness.ts';
import { floodUntilRefused, openChatStream, type Opened } from './stream-holding-replica.ts';

const HOG = 'hog/chat';
const QUIET = 'quiet/chat';
const SLOTS = 4;


/** The replica's running requests, as its /metrics says. */
async function running(r: SimCluster): Promise<number> {
  const text = await (await fetch(`${r.url}/metrics`)).text();
  return Number(/^vllm:num_requests_running\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? NaN);
}

const replicaSlots = (): Promise<SimCluster> => startReplica('c1', `r${Math.random().toString(36).slice(2, 6)}`, { slots: SLOTS, queue: 'reject', tokensPerSecond: 5 });

describe("one project's held streams never take a shared replica's every slot", () => {
  const held: Opened[] = [];
  afterEach(() => {
    for (const h of held.splice(0)) h.req.destroy();
  });

  describe('with the replicas\' capacity configured (PROXY_REPLICA_SLOTS=4)', () => {
    const replicas: SimCluster[] = [];
    let proxy: RunningProxy;

    beforeAll(async () => {
      replicas.push(await replicaSlots(), await replicaSlots());
      proxy = await startTestProxy({
        endpoints: [HOG, QUIET].flatMap((app) => replicas.map((r) => ({ cluster: 'c1', app, url: r.url }))),
        config: { replicaSlots: SLOTS },
      });
    });
    afterAll(async () => {
      await proxy.close();
      await Promise.all(replicas.map((r) => r.close()));
    });

    it('moves the flood to the sibling replica, refuses it past its share of both, and serves the other project', async () => {
      const refusal = await floodUntilRefused(proxy.url, HOG, 4 * SLOTS, held);
      // Three of four slots on each replica (high-water 3); before, all 8, then the engine's slots_full.
      expect(held).toHaveLength(6);
      for (const r of replicas) expect(proxy.runtime.replicaShares.held(r.url, 'hog')).toBe(3);
      expect(refusal?.status).toBe(429);
      expect(refusal?.res.headers['x-switchyard-refused']).toBe('not-started');
      const body = JSON.parse((await refusal?.body) ?? '{}') as { error: { code: string; message: string } };
      expect(body.error.code).toBe('replica-share-exceeded');
      expect(body.error.message).toContain('project hog (all its apps together) holds its fair share of every replica');
      expect(body.error.message).not.toContain('quiet');

      const quiet = await openChatStream(proxy.url, QUIET);
      expect(quiet.status).toBe(200);
      held.push(quiet);

      // The tenant's own load is no fault of the replicas: none ejected, the cluster's circuit closed.
      const now = proxy.runtime.now();
      for (const r of replicas) expect(proxy.runtime.outliers.isEjected(HOG, r.url, now)).toBe(false);
      const again = await openChatStream(proxy.url, HOG);
      expect(JSON.parse(await again.body)).toMatchObject({ error: { code: 'replica-share-exceeded' } });
      const text = await proxy.runtime.metrics.registry.metrics();
      expect(text).toContain('switchyard_proxy_replica_share_refusals_total{project="hog"} 2');
    });
  });

  describe('on a replica only one project lists', () => {
    let replica: SimCluster;
    let proxy: RunningProxy;

    beforeAll(async () => {
      replica = await replicaSlots();
      // Two apps of one project: nobody else's work can be crowded out, so no slot is kept back.
      proxy = await startTestProxy({ endpoints: [HOG, 'hog/embed'].map((app) => ({ cluster: 'c1', app, url: replica.url })), config: { replicaSlots: SLOTS } });
    });
    afterAll(async () => {
      await proxy.close();
      await replica.close();
    });

    it('lets the project use every slot', async () => {
      for (let i = 0; i < SLOTS; i += 1) {
        const o = await openChatStream(proxy.url, i % 2 === 0 ? HOG : 'hog/embed');
        expect(o.status).toBe(200);
        held.push(o);
      }
      const full = await openChatStream(proxy.url, HOG);
      expect(JSON.parse(await full.body)).toMatchObject({ error: { code: 'slots_full' } });
    });
  });

  describe('with the capacity learnt from the replica\'s 429 (the default)', () => {
    let replica: SimCluster;
    let proxy: RunningProxy;

    beforeAll(async () => {
      replica = await replicaSlots();
      proxy = await startTestProxy({ endpoints: [HOG, QUIET].map((app) => ({ cluster: 'c1', app, url: replica.url })) });
    });
    afterAll(async () => {
      await proxy.close();
      await replica.close();
    });

    it("gives a slot the flood let go to the other project, not back to the flood", async () => {
      // Unknown capacity: the flood takes every slot; the engine refuses the fifth, and that teaches it.
      for (let i = 0; i < SLOTS; i += 1) {
        const o = await openChatStream(proxy.url, HOG);
        expect(o.status).toBe(200);
        held.push(o);
      }
      const full = await openChatStream(proxy.url, HOG);
      expect(full.status).toBe(429);
      expect(JSON.parse(await full.body)).toMatchObject({ error: { code: 'slots_full' } });
      expect(proxy.runtime.replicaShares.capacityOf(replica.url, proxy.runtime.now())).toBe(SLOTS);

      held.shift()?.req.destroy();
      await waitFor(async () => proxy.runtime.replicaShares.held(replica.url, 'hog') === SLOTS - 1 && (await running(replica)) === SLOTS - 1, 'one slot free');
      // Before, the flood's next stream took the freed slot and the other project got slots_full.
      const hog = await openChatStream(proxy.url, HOG);
      expect(hog.status).toBe(429);
      expect(hog.res.headers['x-switchyard-refused']).toBe('not-started');
      expect(JSON.parse(await hog.body)).toMatchObject({ error: { code: 'replica-share-exceeded' } });
      const quiet = await openChatStream(proxy.url, QUIET);
      expect(quiet.status).toBe(200);
      held.push(quiet);
    });
  });
});
