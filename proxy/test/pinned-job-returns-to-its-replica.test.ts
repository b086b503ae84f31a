/**
 * A pinned job's later requests go back to the replica that took it while it is usable, even
 * under round-robin over two replicas; once that replica fails and is ejected, the job goes to
 * the other one and the pin moves with it. Requests without the job key are spread as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('a pinned job keeps its replica', () => {
  let r0: SimCluster;
  let r1: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    r0 = await startReplica('c1', 'r0', { tokensPerSecond: 1000 });
    r1 = await startReplica('c1', 'r1', { tokensPerSecond: 1000 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: r0.url }, { cluster: 'c1', url: r1.url }],
      apps: [{ id: APP, strategy: 'round-robin', requests: { jobKeyHeader: 'x-job-id' } }],
      jwks: keys.jwks,
      config: { outlierConsecutiveFailures: 1 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await r0.close();
    await r1.close();
  });

  const send = async (headers: Record<string, string>, status = 200): Promise<string> => {
    const token = await keys.mint();
    const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ max_tokens: 2 }), headers: { 'x-switchyard-token': token, ...headers } });
    expect(r.status).toBe(status);
    return String(r.headers['x-sim-replica']);
  };

  it('goes back to the same replica under round-robin, and moves when that replica is down', async () => {
    const first = await send({ 'x-job-id': 'job-1' });
    const replicas = [];
    for (let i = 0; i < 6; i++) replicas.push(await send({ 'x-job-id': 'job-1' }));
    expect(new Set(replicas)).toEqual(new Set([first]));
    const free = [];
    for (let i = 0; i < 4; i++) free.push(await send({}));
    expect(new Set(free).size).toBe(2);

    // The pinned replica fails (a POST's 500 is not re-sent: it may have run) and is ejected:
    // the job's next request goes to the other replica, which it then keeps.
    const pinned = first === 'r0' ? r0 : r1;
    pinned.control.setServerErrors(true);
    await send({ 'x-job-id': 'job-1' }, 500);
    const moved = await send({ 'x-job-id': 'job-1' });
    expect(moved).not.toBe(first);
    pinned.control.setServerErrors(false);
    expect(await send({ 'x-job-id': 'job-1' })).toBe(moved);
  });
});
