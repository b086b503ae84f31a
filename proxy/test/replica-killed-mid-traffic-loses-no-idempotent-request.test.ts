import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('killing a replica mid-traffic loses no idempotent request', () => {
  let r0: SimCluster;
  let r1: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  const client = new Agent({ connections: 16 });
  beforeAll(async () => {
    keys = await testKeys();
    r0 = await startReplica('c1', 'r0');
    r1 = await startReplica('c1', 'r1');
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: r0.url },
        { cluster: 'c1', url: r1.url },
      ],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await r1.close();
    await client.close();
  });

  it('every GET succeeds while r0 dies under load, and r0 is ejected', async () => {
    const token = await keys.mint();
    const total = 400;
    let sent = 0;
    const statuses: number[] = [];
    const replicas = new Set<string>();
    let killed: Promise<void> | null = null;
    const worker = async (): Promise<void> => {
      while (sent < total) {
        sent += 1;
        if (sent === 100) killed = r0.close();
        const r = await request(`${proxy.url}/v4/${APP}/v1/models`, {
          dispatcher: client,
          headers: { 'x-switchyard-token': token },
        });
        statuses.push(r.statusCode);
        replicas.add(String(r.headers['x-sim-replica']));
        await r.body.dump();
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await killed;
    expect(statuses).toHaveLength(total);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(replicas).toEqual(new Set(['r0', 'r1']));
    const retries = await proxy.runtime.metrics.retries.get();
    expect(retries.values.reduce((s, v) => s + v.value, 0)).toBeGreaterThan(0);
    expect(proxy.runtime.outliers.isEjected(APP, r0.url, Date.now())).toBe(true);
  });
});
