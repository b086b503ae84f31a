/**
 * An app's concurrency limit holds for the proxy, not per worker process: with two workers and
 * maxConcurrency 2, six concurrent streams get at most two admissions (the primary counts for
 * all workers, cluster-limits.ts); counted per worker, each would admit two.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica } from './harness.ts';
import { spawnProxy, type ProxyProcess } from './proxy-processes.ts';

describe('two proxy workers share one per-app concurrency limit', () => {
  let sim: SimCluster;
  let proxy: ProxyProcess;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 10 });
    proxy = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_WORKERS: '2' }, [{ id: APP, maxConcurrency: 2 }]);
  }, 30_000);
  afterAll(async () => {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    await sim.close();
  });

  it('admits at most the limit across both workers', async () => {
    const sends = Array.from({ length: 6 }, () =>
      rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ stream: true, max_tokens: 20 }),
        headers: { connection: 'close' },
      }),
    );
    const statuses = (await Promise.all(sends)).map((r) => r.status);
    const admitted = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(2);
  }, 30_000);
});
