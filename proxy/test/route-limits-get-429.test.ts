/**
 * Limits a route declares are enforced by the proxy (they were only handed to the edge's
 * decision before): the edge names the matched route in the routing token (`rt`), and the proxy
 * counts the request under `app#route` with the same limiter as the app's limits, answering 429
 * with Retry-After. Other routes and route-less requests of the app are not held back by it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('per-route limits answer 429 with Retry-After', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      apps: [
        {
          id: APP,
          maxConcurrency: 10,
          routes: [
            { name: 'code', when: { keywords: ['python'] }, target: { model: 'coder' }, limits: { maxConcurrency: 1 } },
            { name: 'summary', when: { keywords: ['summarise'] }, target: { model: 'chat' }, limits: { maxRps: 2 } },
            { name: 'chat', when: {}, target: { model: 'chat' } },
          ],
        },
      ],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  const stream = async (rt?: string): Promise<Awaited<ReturnType<typeof rawRequest>>> =>
    rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 10 }),
      headers: { 'x-switchyard-token': await keys.mint(rt === undefined ? {} : { rt }) },
    });

  it('refuses a second concurrent request of a route limited to one; other routes still pass', async () => {
    const first = stream('code');
    // Wait (with a deadline) until the first holds the route's only slot: no sleep-and-assert.
    const deadline = Date.now() + 10_000;
    while (proxy.runtime.limiter.inFlight(`${APP}#code`) < 1) {
      if (Date.now() > deadline) throw new Error('the first code request never got its slot');
      await new Promise((r) => setTimeout(r, 10));
    }
    const second = await stream('code');
    expect(second.status).toBe(429);
    expect(JSON.parse(second.body)).toMatchObject({ error: { code: 'concurrency-limited' } });
    expect(JSON.parse(second.body).error.message).toContain('route code');
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The app's own limit (10) and the other routes are not touched by the code route's.
    const [chat, none] = await Promise.all([stream('chat'), stream()]);
    expect([chat.status, none.status]).toEqual([200, 200]);
    expect((await first).status).toBe(200);
    expect((await stream('code')).status).toBe(200);
  });

  it('refuses beyond a route\'s max rps', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const r = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/models`,
        method: 'GET',
        headers: { 'x-switchyard-token': await keys.mint({ rt: 'summary' }) },
      });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'rate-limited' } });
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});
