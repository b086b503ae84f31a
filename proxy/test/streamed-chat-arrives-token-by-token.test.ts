import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('streamed chat completion through the proxy (HTTP/1.1)', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let mint: Awaited<ReturnType<typeof testKeys>>['mint'];
  beforeAll(async () => {
    const keys = await testKeys();
    mint = keys.mint;
    // 20 tokens/s: at 50 a loaded CI machine's stall before the first token let the rest catch up in
    // a burst (10 tokens 83 ms apart, proxy in worker processes); the assertion is unchanged.
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('delivers SSE events one by one as the replica generates them, with forwarding headers', async () => {
    const token = await mint({ cluster: 'c1' });
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions?sy_token=${token}&keep=1`,
      body: chatBody({ stream: true, max_tokens: 10 }),
      headers: {
        accept: 'text/event-stream',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': 'secret',
      },
    });
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    expect(r.headers['x-switchyard-cluster']).toBe('c1');
    expect(r.headers['x-sim-cluster']).toBe('c1');
    const events = sseData(r.body);
    expect(events[events.length - 1]).toBe('[DONE]');
    expect(events.length).toBeGreaterThanOrEqual(11);
    // At 20 tokens/s the 10 tokens span ~450 ms: they must arrive spread out, not in one buffered burst.
    expect(r.chunks.length).toBeGreaterThanOrEqual(5);
    const first = r.chunks[0];
    const last = r.chunks[r.chunks.length - 1];
    expect((last?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThan(100);
    const received = JSON.parse(String(r.headers['x-sim-received-headers'])) as Record<
      string,
      string
    >;
    expect(received['x-forwarded-for']).toBe('127.0.0.1');
    expect(received['forwarded']).toContain('for=127.0.0.1;proto=http');
    expect(received['traceparent']).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
    expect(JSON.stringify(received)).not.toContain(token);
  });
});
