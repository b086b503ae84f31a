import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SimCluster } from '../server.ts';
import { startTestCluster } from './harness.ts';

interface WsMessage {
  type: string;
  id?: unknown;
  index?: number;
  text?: string;
  finish_reason?: string;
  usage?: { total_tokens: number };
  error?: { code: string };
}

/** Collects messages until one of type `done` or `error`. */
function collect(ws: WebSocket): Promise<WsMessage[]> {
  return new Promise((resolve, reject) => {
    const got: WsMessage[] = [];
    const onMessage = (data: WebSocket.RawData): void => {
      const m = JSON.parse(data.toString()) as WsMessage;
      got.push(m);
      if (m.type === 'done' || m.type === 'error') {
        ws.off('message', onMessage);
        resolve(got);
      }
    };
    ws.on('message', onMessage);
    ws.once('error', reject);
  });
}

describe('ws round trip', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster();
  });
  afterAll(() => sim.close());

  it('upgrades with the identity headers, streams token messages then done, twice on one socket', async () => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/v1/ws`, { headers: { traceparent: '00-abc-def-01' } });
    // 'open' follows 'upgrade' in the same tick, so listen for both before awaiting.
    let upgrade: { headers: Record<string, string | undefined> } = { headers: {} };
    ws.once('upgrade', (res) => {
      upgrade = { headers: res.headers as Record<string, string | undefined> };
    });
    await once(ws, 'open');
    expect(upgrade.headers['x-sim-cluster']).toBe('test-cluster');
    expect(upgrade.headers['x-sim-replica']).toBe('r0');
    expect(JSON.parse(upgrade.headers['x-sim-received-headers'] ?? '{}')).toEqual({ traceparent: '00-abc-def-01' });

    const first = collect(ws);
    ws.send(JSON.stringify({ id: 'a', prompt: 'hello there', max_tokens: 3 }));
    const a = await first;
    expect(a.map((m) => m.type)).toEqual(['token', 'token', 'token', 'done']);
    expect(a.map((m) => m.text ?? '').join('')).toBe('The quick brown');
    expect(a[3]).toMatchObject({ id: 'a', finish_reason: 'length', usage: { total_tokens: 5 } });

    const second = collect(ws);
    ws.send(JSON.stringify({ id: 'b', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 }));
    expect((await second).map((m) => m.type)).toEqual(['token', 'done']);

    const bad = collect(ws);
    ws.send('{not json');
    expect((await bad)[0]).toMatchObject({ type: 'error', error: { code: 'invalid_json' } });
    ws.close();
    await once(ws, 'close');
  });

  it('refuses other upgrade paths with 404', async () => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/nope`);
    const [req, res] = (await once(ws, 'unexpected-response')) as [{ destroy(): void }, { statusCode: number }];
    expect(res.statusCode).toBe(404);
    req.destroy();
  });
});
