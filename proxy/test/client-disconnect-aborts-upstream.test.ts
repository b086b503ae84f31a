import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, scrapeMetrics, startReplica, startTestProxy, testKeys, waitFor } from './harness.ts';
import { metricSum } from './proxy-processes.ts';

describe('a client that goes away mid-stream aborts the upstream request', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('the replica sees the abort and the proxy forgets the exchange', async () => {
    const token = await keys.mint();
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${proxy.url}/v4/${APP}/v1/chat/completions`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-switchyard-token': token },
        },
        (res) => {
          res.once('data', () => {
            req.destroy(); // hang up after the first event of a ~5 s stream
            resolve();
          });
        },
      );
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end(chatBody({ stream: true, max_tokens: 100 }));
    });
    await waitFor(
      () => sim.control.snapshot().counters.aborted === 1,
      'the replica to see the abort',
    );
    await waitFor(async () => metricSum(await scrapeMetrics(proxy), 'switchyard_proxy_in_flight') === 0, 'the proxy to drop the exchange');
    expect(sim.control.snapshot().counters.completed).toBe(0);
  });
});
