/**
 * Issue 16 #1: a limit counted per proxy holds for the proxy as a whole, with no per-worker split
 * that refuses on one worker while its sibling has room. One proxy with two workers, app limits
 * maxConcurrency 2 and maxRps 1 (no libSQL: counted by the primary, cluster-limits.ts). One long
 * stream holds a slot; then requests on fresh connections (the primary hands them to the workers
 * in turn), each after the rate bucket has refilled, are all admitted. Before, the split gave
 * each worker 1 slot and worker 1 a rate of 0: every one of these was refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica } from './harness.ts';
import { holdStream, spawnProxy, type HeldStream, type ProxyProcess } from './proxy-processes.ts';

describe('a per-proxy limit is not refused while a sibling worker has room', () => {
  let sim: SimCluster;
  let proxy: ProxyProcess;
  let stream: HeldStream | null = null;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 5, slots: 16 });
    proxy = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_WORKERS: '2' }, [{ id: APP, maxConcurrency: 2, maxRps: 1 }]);
  }, 60_000);
  afterAll(async () => {
    stream?.close();
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    await sim.close();
  });

  it('admits up to the whole limit whichever worker takes the connection', async () => {
    stream = holdStream(proxy.url, 1_000);
    expect(await stream.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      // 1 request per second: wait out the bucket (refilled continuously) before each.
      await new Promise((r) => setTimeout(r, 1_100));
      const r = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ max_tokens: 1 }),
        headers: { connection: 'close' },
      });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    // The long stream still holds its slot: the count is the proxy's, not forgotten.
    expect(stream.isClosed()).toBe(false);
  }, 60_000);
});
