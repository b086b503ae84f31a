import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('per-app limits answer 429 with Retry-After', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: sim.url },
        { cluster: 'c1', app: 'acme/rps', url: sim.url },
      ],
      apps: [
        { id: APP, maxConcurrency: 2 },
        { id: 'acme/rps', maxRps: 3 },
      ],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('refuses the third concurrent stream while two are in flight, then admits after they finish', async () => {
    // Each stream's first chunk says it was admitted and holds its slot (~1 s at 20 tokens/s).
    const send = async (onChunk?: () => void): Promise<Awaited<ReturnType<typeof rawRequest>>> =>
      rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ stream: true, max_tokens: 20 }),
        headers: { 'x-switchyard-token': await keys.mint() },
        ...(onChunk === undefined ? {} : { onChunk }),
      });
    let admitted = 0;
    let bothAdmitted: () => void = () => undefined;
    const both = new Promise<void>((r) => (bothAdmitted = r));
    const streaming = (): Promise<Awaited<ReturnType<typeof rawRequest>>> => {
      let seen = false;
      return send(() => {
        if (seen) return;
        seen = true;
        if ((admitted += 1) === 2) bothAdmitted();
      });
    };
    const a = streaming();
    const b = streaming();
    // Not a fixed pause: on a loaded machine with worker processes 100 ms did not always see both in.
    await both;
    const c = await send();
    expect(c.status).toBe(429);
    expect(JSON.parse(c.body)).toMatchObject({ error: { code: 'concurrency-limited' } });
    expect(Number(c.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await a).status).toBe(200);
    expect((await b).status).toBe(200);
    expect((await send()).status).toBe(200);
  });

  it('refuses beyond max rps', async () => {
    const token = await keys.mint({ app: 'acme/rps' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const r = await rawRequest(proxy.url, {
        path: '/v4/acme/rps/v1/models',
        method: 'GET',
        headers: { 'x-switchyard-token': token },
      });
      statuses.push(r.status);
      if (r.status === 429)
        expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'rate-limited' } });
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });
});
