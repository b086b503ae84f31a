import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

/** What differs between two runs of the same generation: ids, timestamps, the replica's own headers. */
function normalized(body: string): string {
  return body.replace(/"id":"[^"]*"/g, '"id":"X"').replace(/"created":\d+/g, '"created":0');
}

describe('an SSE stream through an h2c upstream reaches the client exactly as over HTTP/1.1', () => {
  let sim: SimCluster;
  let viaH1: RunningProxy;
  let viaH2: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 400, h2cMaxStreams: 128 });
    viaH1 = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
    viaH2 = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { upstreamProtocols: 'c1=h2' },
    });
  });
  afterAll(async () => {
    await viaH1.close();
    await viaH2.close();
    await sim.close();
  });

  it('same status, same headers, same events, token by token, same forwarded headers', async () => {
    const ask = async (proxy: RunningProxy) =>
      rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ stream: true, max_tokens: 12 }),
        // A hop-by-hop header HTTP/2 forbids outright: stripped on both paths, never a failure.
        headers: { 'x-switchyard-token': await keys.mint(), 'keep-alive': 'timeout=5' },
      });
    const h1 = await ask(viaH1);
    const afterH1 = sim.connections();
    const h2 = await ask(viaH2);
    const afterH2 = sim.connections();
    // Each proxy really spoke its protocol to the replica (the HTTP/1.1 one may reuse its health
    // check's connection; the h2 one health-checks over its one HTTP/2 connection).
    expect(afterH1.http1).toBeGreaterThanOrEqual(1);
    expect(afterH2.h2).toBe(1);
    expect(afterH2.http1).toBe(afterH1.http1);

    expect(h2.status).toBe(200);
    expect(h2.complete).toBe(true);
    expect(normalized(h2.body)).toBe(normalized(h1.body));
    expect(h2.body).toContain('[DONE]');
    // Token by token: the events arrived in several reads, not one buffered body.
    expect(h2.chunks.length).toBeGreaterThan(3);
    const pick = (r: typeof h1) => ({
      type: r.headers['content-type'],
      cluster: r.headers['x-switchyard-cluster'],
      cache: r.headers['cache-control'],
      te: r.headers['transfer-encoding'],
    });
    expect(pick(h2)).toEqual(pick(h1));
    // What the replica received: the same forwarded chain and a trace context on both paths.
    const received = (r: typeof h1) => JSON.parse(String(r.headers['x-sim-received-headers'])) as Record<string, string>;
    expect(received(h2)['x-forwarded-for']).toBe(received(h1)['x-forwarded-for']);
    // (Each proxy has its own port, the Host the client used.)
    const fwd = (r: typeof h1) => received(r)['forwarded']?.replace(/:\d+"/, ':PORT"');
    expect(fwd(h2)).toBe(fwd(h1));
    expect(received(h2)['traceparent']).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
  });

  it('a non-streaming answer with a request body matches too', async () => {
    const ask = async (proxy: RunningProxy) =>
      rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ max_tokens: 5 }),
        headers: { 'x-switchyard-token': await keys.mint() },
      });
    const [h1, h2] = [await ask(viaH1), await ask(viaH2)];
    expect(h2.status).toBe(200);
    expect(normalized(h2.body)).toBe(normalized(h1.body));
    expect(h2.headers['content-length']).toBe(h1.headers['content-length']);
  });
});
