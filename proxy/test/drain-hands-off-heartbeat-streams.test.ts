/**
 * Issue 14 #1 meets #4: a managed stream (heartbeats / continuation) still running at the drain
 * deadline — here still beating while its slow model has not produced a first token — gets the
 * same final `switchyard.reconnect` event and clean end as any SSE stream, never a silent cut.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy } from './harness.ts';

const EDGE = 'https://edge.example.test';

describe('drain hands off heartbeat streams', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 100 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      apps: [{ id: APP, requests: { streams: { heartbeats: true, heartbeatIntervalMs: 100, continuation: true } } }],
      config: { drainRetryAfterS: 2, drainStartGraceMs: 100, edgeUrl: EDGE },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('a stream still waiting for its first token gets the reconnect event and a clean end', async () => {
    sim.control.apply({ reset: true, firstTokenDelayMs: 60_000 });
    let beat: () => void = () => undefined;
    const beating = new Promise<void>((resolve) => (beat = resolve));
    const pending = rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ stream: true }), onChunk: () => beat() });
    await beating;
    const result = await proxy.drain(600);
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.body).toContain(': heartbeat');
    expect(r.complete).toBe(true);
    const last = r.body.trimEnd().split('\n\n').at(-1) ?? '';
    expect(last.split('\n')[0]).toBe('event: switchyard.reconnect');
    expect(result.forced).toBe(1);
  }, 10_000);
});
