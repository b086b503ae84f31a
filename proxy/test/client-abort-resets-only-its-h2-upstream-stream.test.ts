/**
 * A client that hangs up mid-stream through an h2c upstream resets its own upstream stream
 * (RST_STREAM CANCEL: the replica stops generating) and nothing else: the other streams on the
 * same HTTP/2 connection run to their end, and the connection stays up for the next request.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys, waitFor } from './harness.ts';

describe('a client abort resets only its own upstream HTTP/2 stream', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 40, h2cMaxStreams: 100 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { upstreamProtocols: 'c1=h2' },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('the replica sees the abort, the sibling stream finishes, one connection throughout', async () => {
    const sibling = rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 30 }),
      headers: { 'x-switchyard-token': await keys.mint() },
    });
    const token = await keys.mint();
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${proxy.url}/v4/${APP}/v1/chat/completions`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': token } },
        (res) => {
          res.once('data', () => {
            req.destroy(); // hang up after the first event of a ~25 s stream
            resolve();
          });
        },
      );
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end(chatBody({ stream: true, max_tokens: 1000 }));
    });
    await waitFor(() => sim.control.snapshot().counters.aborted === 1, 'the replica to see the abort');
    const r = await sibling;
    expect(r.complete).toBe(true);
    expect(r.body).toContain('[DONE]');
    await waitFor(() => proxy.runtime.inFlight.size === 0, 'the proxy to drop both exchanges');
    const counters = sim.control.snapshot().counters;
    expect([counters.completed, counters.aborted]).toEqual([1, 1]);
    expect(sim.connections().h2).toBe(1);
    expect(proxy.runtime.upstreams.h2.openConnections).toBe(1);
  });
});
