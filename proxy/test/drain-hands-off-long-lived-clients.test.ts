/**
 * A draining proxy tells each long-lived client where to reconnect (the edge, since a
 * proxy cannot mint tokens): a stream that ends before the deadline is never touched; an
 * SSE stream still running at the deadline gets a final `switchyard.reconnect` event (an
 * OpenAI-format error, so SDKs do not take the cut stream for a complete one) and a clean
 * end; a WebSocket is closed 1012 with a JSON reason naming the edge's token route; a new
 * request is refused 503 with Retry-After and `x-switchyard-reconnect`.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, sseData, startReplica, startTestProxy, testKeys } from './harness.ts';

const EDGE = 'https://edge.example.test';

describe('drain hands long-lived clients off to the edge', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20, slots: 8 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { drainWsWindowMs: 600, drainRetryAfterS: 2, drainStartGraceMs: 100, edgeUrl: EDGE },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('short streams finish, long ones get the reconnect event, WebSockets 1012 with the token route', async () => {
    const token = await keys.mint();
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws`, { headers: { 'x-switchyard-token': token } });
    await once(ws, 'open');
    const wsClosed = once(ws, 'close') as Promise<[number, Buffer]>;
    const opened = (n: number): { seen: Promise<void>; hit: () => void } => {
      let hit: () => void = () => undefined;
      const seen = new Promise<void>((r) => (hit = r));
      return { seen, hit: () => (n -= 1) <= 0 && hit() };
    };
    const shortOpen = opened(1);
    const longOpen = opened(1);
    // 10 tokens at 20/s ≈ 0.5 s: inside the 1.5 s deadline. 400 tokens ≈ 20 s: far past it.
    const short = rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ stream: true, max_tokens: 10 }), headers: { 'x-switchyard-token': token }, onChunk: shortOpen.hit });
    const long = rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ stream: true, max_tokens: 400 }), headers: { 'x-switchyard-token': token }, onChunk: longOpen.hit });
    await Promise.all([shortOpen.seen, longOpen.seen]);
    const drained = proxy.drain(1500);
    const refused = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/models`, method: 'GET', headers: { 'x-switchyard-token': token } }).catch(() => null);
    if (refused !== null) {
      expect(refused.status).toBe(503);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(2);
      expect(refused.headers['x-switchyard-reconnect']).toBe(`${EDGE}/v4/${APP}/v1/models`);
    }

    const s = await short;
    expect(s.complete).toBe(true);
    expect(sseData(s.body).at(-1)).toBe('[DONE]');
    expect(s.body).not.toContain('switchyard.reconnect');

    const l = await long;
    expect(l.status).toBe(200);
    expect(l.complete).toBe(true); // a clean end, after the event that says why
    const last = l.body.trimEnd().split('\n\n').at(-1) ?? '';
    expect(last.split('\n')[0]).toBe('event: switchyard.reconnect');
    const data = JSON.parse(last.split('\n')[1]?.slice('data: '.length) ?? '{}') as { reconnect: string; retry_after: number; error: { code: string } };
    expect(data.reconnect).toBe(`${EDGE}/v4/${APP}/v1/chat/completions`);
    expect(data.error.code).toBe('proxy_draining');
    expect(data.retry_after).toBeGreaterThanOrEqual(2);
    // Every replica event before it arrived whole: the hand-off followed an event boundary.
    const before = sseData(l.body);
    expect(before.length).toBeGreaterThan(3);
    for (const d of before) expect(() => JSON.parse(d) as unknown).not.toThrow();

    const [code, reason] = await wsClosed;
    expect(code).toBe(1012);
    const parsed = JSON.parse(reason.toString()) as { reconnect: string; retryAfter: number };
    expect(parsed.reconnect).toBe(`${EDGE}/token/v4/${APP}/v1/ws`);
    expect(parsed.retryAfter).toBeGreaterThanOrEqual(2);
    const result = await drained;
    // The long stream, handed off. The WebSocket closed in its window: its close begins 600 ms
    // before the deadline (100 ms was too short for the close handshake on a loaded machine).
    expect(result.forced).toBe(1);
  }, 15_000);
});
