import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, scrapeMetrics, startReplica, startTestProxy, testKeys } from './harness.ts';
import { metricSum } from './proxy-processes.ts';

describe("a dead cluster sends traffic to the token's fallback", () => {
  let dead: SimCluster;
  let live: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    dead = await startReplica('c1', 'r0');
    await dead.close(); // its port now refuses connections
    live = await startReplica('c2', 'r0');
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: dead.url },
        { cluster: 'c2', url: live.url },
      ],
      jwks: keys.jwks,
      config: { circuitFailureThreshold: 2, circuitOpenMs: 60_000 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await live.close();
  });

  it('serves non-idempotent POSTs from the fallback (connection refused means never sent)', async () => {
    for (let i = 0; i < 3; i += 1) {
      const r = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ max_tokens: 2 }),
        headers: { 'x-switchyard-token': await keys.mint({ cluster: 'c1', fallbacks: ['c2'] }) },
      });
      expect(r.status).toBe(200);
      expect(r.headers['x-switchyard-cluster']).toBe('c2');
      expect(r.headers['x-sim-cluster']).toBe('c2');
    }
    // Whole-cluster failures opened c1's circuit (this app is its only one), and the operator's
    // scrape says so at once, with no store to report to (it said nothing before: the gauge was
    // set only when cluster health was written to libSQL). One 1 however many workers share it.
    const scrape = await scrapeMetrics(proxy);
    expect(metricSum(scrape, 'switchyard_proxy_circuit_open', { cluster: 'c1' })).toBe(1);
    expect(scrape).toMatch(/^switchyard_proxy_circuit_open\{cluster="c2"\} 0$/m);
    expect(live.control.snapshot().counters.requests).toBe(3);
  });

  it('answers 503 with x-switchyard-refused: not-started when no cluster could be reached', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody(),
      headers: { 'x-switchyard-token': await keys.mint({ cluster: 'c1', fallbacks: ['c9'] }) },
    });
    expect(r.status).toBe(503);
    // Open circuit, unknown cluster: no byte reached a replica, so the edge may move even a POST.
    expect(r.headers['x-switchyard-refused']).toBe('not-started');
    expect(JSON.parse(r.body)).toMatchObject({
      error: { code: expect.stringMatching(/circuit-open|no-endpoints|all-clusters-failed/) },
    });
  });
});
