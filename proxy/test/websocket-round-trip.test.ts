import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, scrapeMetrics, startReplica, startTestProxy, testKeys } from './harness.ts';
import { metricSum } from './proxy-processes.ts';

interface WsMessage {
  type: string;
  text?: string;
}

function collect(ws: WebSocket): Promise<WsMessage[]> {
  return new Promise((resolve, reject) => {
    const got: WsMessage[] = [];
    const onMessage = (data: WebSocket.RawData): void => {
      const m = JSON.parse(data.toString()) as WsMessage;
      got.push(m);
      if (m.type !== 'done' && m.type !== 'error') return;
      ws.off('message', onMessage);
      resolve(got);
    };
    ws.on('message', onMessage);
    ws.once('error', reject);
  });
}

describe('WebSocket through the proxy', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 500 });
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('upgrades with the token in the query and relays prompts and token messages both ways, twice', async () => {
    const token = await keys.mint();
    const ws = new WebSocket(
      `${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws?sy_token=${token}`,
    );
    let simCluster: string | undefined;
    ws.once('upgrade', (res) => (simCluster = String(res.headers['x-sim-cluster'])));
    await once(ws, 'open');
    expect(simCluster).toBe('c1');
    for (const id of ['a', 'b']) {
      const got = collect(ws);
      ws.send(JSON.stringify({ id, prompt: 'hello there', max_tokens: 3 }));
      const msgs = await got;
      expect(msgs.map((m) => m.type)).toEqual(['token', 'token', 'token', 'done']);
    }
    expect(metricSum(await scrapeMetrics(proxy), 'switchyard_proxy_websockets')).toBe(1);
    ws.close(1000);
    await once(ws, 'close');
  });

  it('refuses an upgrade without a token with 401 and never opens upstream', async () => {
    const before = sim.control.snapshot().counters.requests;
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws`);
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(401);
    expect(sim.control.snapshot().counters.requests).toBe(before);
  });
});
