/**
 * A streamed job of an app with managed streams (heartbeats) is pinned like any other: the pin is
 * written when the replica's answer begins. The managed path splices the replica's events itself
 * and used to skip the pin, so a job key did nothing for apps that opted in to heartbeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { jobKeyOf } from '../src/job-pins.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('a managed stream with a job key', () => {
  let r0: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    r0 = await startReplica('c1', 'r0', { tokensPerSecond: 1000 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: r0.url }],
      apps: [{ id: APP, requests: { jobKeyHeader: 'x-job-id', streams: { heartbeats: true, heartbeatIntervalMs: 1000 } } }],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await r0.close();
  });

  it('pins the job to the replica that streamed it', async () => {
    const token = await keys.mint();
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 3 }),
      headers: { 'x-switchyard-token': token, 'x-job-id': 'job-streamed' },
    });
    expect(r.status).toBe(200);
    const key = jobKeyOf({ 'x-job-id': 'job-streamed' }, APP, 'x-job-id');
    if (!key.ok || key.hash === null) throw new Error('job key refused');
    expect(proxy.runtime.jobPins.get(APP, key.hash, proxy.runtime.now())).toMatchObject({ clusterId: 'c1', endpoint: r0.url });
  });
});
