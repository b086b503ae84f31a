import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import {
  APP,
  chatBody,
  rawRequest,
  sseData,
  startReplica,
  startTestProxy,
  testKeys,
} from './harness.ts';

describe('drain() lets streams that end before the deadline finish, then closes WebSockets with 1012 (service restart)', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { drainWsWindowMs: 200, drainRetryAfterS: 2 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('completes an in-flight SSE stream, refuses new work with Retry-After, and says service-restart to WebSockets', async () => {
    const token = await keys.mint();
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws`, {
      headers: { 'x-switchyard-token': token },
    });
    await once(ws, 'open');
    const wsClosed = once(ws, 'close') as Promise<[number, Buffer]>;
    let firstChunk: () => void = () => undefined;
    const started = new Promise<void>((r) => (firstChunk = r));
    // 10 tokens at 20/s ≈ 500 ms: well inside the 1.5 s deadline.
    const stream = rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 10 }),
      headers: { 'x-switchyard-token': token },
      onChunk: () => firstChunk(),
    });
    await started;
    const drained = proxy.drain(1500);
    // A new request on a fresh connection is refused (listener closed) or answered 503 draining.
    const refused = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/models`,
      method: 'GET',
      headers: { 'x-switchyard-token': token },
    }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (!(refused instanceof Error)) {
      expect(refused.status).toBe(503);
      expect(refused.headers['x-switchyard-refused']).toBe('not-started');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(2);
    }
    const r = await stream;
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    expect(sseData(r.body).at(-1)).toBe('[DONE]');
    const [code] = await wsClosed;
    expect(code).toBe(1012);
    const result = await drained;
    expect(result.forced).toBe(0);
  });
});
