/**
 * The request deadlines bite only on receiving a request: a WebSocket and an SSE stream held
 * well past `headersTimeoutMs` and `requestTimeoutMs` stay open (the deadline checks now run on
 * the sniffed HTTP/1 server, so they must not reach held connections).
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, sseData, startReplica, startTestProxy, testKeys } from './harness.ts';

const HOLD_MS = 2500;

// The two cases hold their own connections past the same timeouts: they wait side by side.
describe.concurrent('held connections outlive the request timeouts', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 10 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('a WebSocket idle past every timeout still relays', async () => {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws`, {
      headers: { 'x-switchyard-token': await keys.mint() },
    });
    await once(ws, 'open');
    await new Promise((r) => setTimeout(r, HOLD_MS));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const done = new Promise<string>((resolve) =>
      ws.on('message', (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString()) as { type: string };
        if (m.type === 'done') resolve(m.type);
      }),
    );
    ws.send(JSON.stringify({ id: 'a', prompt: 'hi', max_tokens: 2 }));
    expect(await done).toBe('done');
    ws.close(1000);
  });

  it('an SSE stream longer than every timeout ends cleanly', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 20 }),
      headers: { 'x-switchyard-token': await keys.mint() },
    });
    expect(r.complete).toBe(true);
    expect(sseData(r.body).at(-1)).toBe('[DONE]');
    expect(r.chunks.at(-1)?.at ?? 0).toBeGreaterThan(1500);
  });
});
