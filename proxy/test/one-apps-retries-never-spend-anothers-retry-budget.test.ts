/**
 * The retry budget stops a retry storm from multiplying load on a failing cluster. It was one
 * budget for the whole proxy: a tenant whose requests fail (its own replica gray-failing, or
 * prompts crafted to make its engine answer 500) spent every retry of the window, and another
 * tenant's request that met a failing replica was answered with that failure instead of going
 * to its healthy replica. Each app now spends its own budget; its storm is still bounded by it.
 * Real proxy, real simulated replicas, idempotent GETs (retried after a 500).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { rawRequest, startReplica, startTestProxy } from './harness.ts';

const A = 'acme/a';
const B = 'acme/b';
const get = (proxy: RunningProxy, app: string): Promise<number> =>
  rawRequest(proxy.url, { method: 'GET', path: `/v4/${app}/v1/models` }).then((r) => r.status);

describe("one app's retries never spend another app's retry budget", () => {
  const replicas: SimCluster[] = [];
  let proxy: RunningProxy;
  beforeAll(async () => {
    // Each app: a replica answering 500 (health 200) and a healthy one, taken in turn.
    for (const id of ['a-bad', 'a-good', 'b-bad', 'b-good']) replicas.push(await startReplica('c1', id));
    replicas[0]?.control.setServerErrors(true);
    replicas[2]?.control.setServerErrors(true);
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', app: A, url: replicas[0]?.url ?? '' },
        { cluster: 'c1', app: A, url: replicas[1]?.url ?? '' },
        { cluster: 'c1', app: B, url: replicas[2]?.url ?? '' },
        { cluster: 'c1', app: B, url: replicas[3]?.url ?? '' },
      ],
      apps: [{ id: A, strategy: 'round-robin' }, { id: B, strategy: 'round-robin' }],
      // Three retries per window and no share of the traffic: the budget, not detection, decides.
      config: { retryBudgetRatio: 0, retryBudgetMin: 3, outlierConsecutiveFailures: 1000, circuitFailureThreshold: 1000 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    for (const r of replicas) await r.close();
  });

  it("A's failing replica costs A its retries, and B still gets its requests retried", async () => {
    const a: number[] = [];
    while (a.length < 20 && a.at(-1) !== 500) a.push(await get(proxy, A));
    // A's budget still bounds A: its retries went to the healthy replica until the budget was spent.
    expect(a.at(-1)).toBe(500);
    expect(replicas[0]?.control.snapshot().counters.failed).toBe(4);
    // Round robin alternates B's first pick: one of the two meets the failing replica first.
    expect([await get(proxy, B), await get(proxy, B)]).toEqual([200, 200]);
    expect(replicas[2]?.control.snapshot().counters.failed).toBe(1);
  });
});
