import { request, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, startReplica, startTestProxy, testKeys, waitFor } from './harness.ts';

/** Opens `n` long SSE streams through the proxy; resolves once each has its first event. */
async function holdStreams(proxy: RunningProxy, mint: () => Promise<string>, n: number): Promise<ClientRequest[]> {
  const reqs: ClientRequest[] = [];
  const firsts: Promise<void>[] = [];
  for (let i = 0; i < n; i += 1) {
    const token = await mint();
    firsts.push(
      new Promise<void>((resolve, reject) => {
        const req = request(
          `${proxy.url}/v4/${APP}/v1/chat/completions`,
          { method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': token } },
          (res) => {
            if (res.statusCode !== 200) reject(new Error(`status ${String(res.statusCode)}`));
            res.once('data', () => resolve());
            res.on('error', () => undefined);
          },
        );
        req.on('error', () => undefined);
        req.once('error', reject);
        req.end(chatBody({ stream: true, max_tokens: 10_000 }));
        reqs.push(req);
      }),
    );
  }
  await Promise.all(firsts);
  return reqs;
}

describe('an h2c upstream carries many streams on one connection, within its stream limit', () => {
  let keys: Awaited<ReturnType<typeof testKeys>>;
  const sims: SimCluster[] = [];
  const proxies: RunningProxy[] = [];
  beforeAll(async () => {
    keys = await testKeys();
  });
  afterAll(async () => {
    for (const p of proxies) await p.close();
    for (const s of sims) await s.close();
  });

  async function stack(h2cMaxStreams: number): Promise<{ sim: SimCluster; proxy: RunningProxy }> {
    const sim = await startReplica('c1', 'r0', { slots: 128, queue: 0, tokensPerSecond: 2, h2cMaxStreams });
    const proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { upstreamProtocols: '*=h2' },
    });
    sims.push(sim);
    proxies.push(proxy);
    return { sim, proxy };
  }

  it('100 concurrent SSE streams use ONE upstream connection (counted by the replica)', async () => {
    const { sim, proxy } = await stack(1000);
    const reqs = await holdStreams(proxy, () => keys.mint(), 100);
    // (Health checks and metric scrapes stay on HTTP/1.1: at most one such connection.)
    expect(sim.connections().h2).toBe(1);
    expect(sim.connections().http1).toBeLessThanOrEqual(1);
    expect(proxy.runtime.upstreams.h2.openConnections).toBe(1);
    for (const r of reqs) r.destroy();
    // Every client that left reset its upstream stream; the connection itself stays up.
    await waitFor(() => sim.control.snapshot().counters.aborted === 100, 'the replica to see 100 aborts', 15_000);
    expect(proxy.runtime.upstreams.h2.openConnections).toBe(1);
    await waitFor(() => proxy.runtime.inFlight.size === 0, 'the proxy to forget the exchanges');
  });

  it("a replica allowing 10 streams per connection gets 10 connections for 100 streams, never an 11th stream on one", async () => {
    const { sim, proxy } = await stack(10);
    const reqs = await holdStreams(proxy, () => keys.mint(), 100);
    expect(sim.connections().h2).toBe(10);
    expect(proxy.runtime.upstreams.h2.openConnections).toBe(10);
    for (const r of reqs) r.destroy();
    await waitFor(() => sim.control.snapshot().counters.aborted === 100, 'the replica to see 100 aborts', 15_000);
  });
});
