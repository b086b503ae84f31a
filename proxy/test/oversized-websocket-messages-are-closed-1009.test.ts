/**
 * A WebSocket message larger than the app's `requests.maxBodyBytes` is refused while it is read
 * (close 1009, "message too big"), in either direction, instead of being buffered up to `ws`'s
 * 100 MiB default in the shared proxy's memory. Messages within the limit pass both ways.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startTestProxy } from './harness.ts';

const LIMIT = 1024;

describe('oversized WebSocket messages are closed with 1009', () => {
  let upstream: Server;
  let wss: WebSocketServer;
  let proxy: RunningProxy;
  let largestSeenUpstream = 0;
  beforeAll(async () => {
    upstream = createServer((_req, res) => res.end('{}'));
    wss = new WebSocketServer({ noServer: true });
    upstream.on('upgrade', (req, sock, head) =>
      wss.handleUpgrade(req, sock, head, (ws) =>
        ws.on('message', (data: Buffer) => {
          largestSeenUpstream = Math.max(largestSeenUpstream, data.length);
          // "big" asks the replica for an answer over the limit; anything else is echoed.
          ws.send(data.toString() === 'big' ? 'x'.repeat(LIMIT * 4) : data);
        }),
      ),
    );
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const { port } = upstream.address() as { port: number };
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${port}` }],
      apps: [{ id: APP, requests: { maxBodyBytes: LIMIT } }],
    });
  });
  afterAll(async () => {
    await proxy.close();
    wss.close();
    upstream.closeAllConnections();
    upstream.close();
  });

  async function open(): Promise<WebSocket> {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws`);
    await once(ws, 'open');
    return ws;
  }

  it('echoes a message within the limit', async () => {
    const ws = await open();
    ws.send('y'.repeat(LIMIT));
    const [data] = (await once(ws, 'message')) as [Buffer];
    expect(data.length).toBe(LIMIT);
    ws.close(1000);
    await once(ws, 'close');
  });

  it("closes the client's oversized message with 1009 before it reaches the replica", async () => {
    const ws = await open();
    const before = largestSeenUpstream;
    ws.send('z'.repeat(LIMIT * 4));
    const [code] = (await once(ws, 'close')) as [number, Buffer];
    expect(code).toBe(1009);
    expect(largestSeenUpstream).toBe(before);
  });

  it("closes with 1009 when the replica's message is over the limit", async () => {
    const ws = await open();
    let got = 0;
    ws.on('message', (d: Buffer) => (got += d.length));
    ws.send('big');
    const [code] = (await once(ws, 'close')) as [number, Buffer];
    expect(code).toBe(1009);
    expect(got).toBe(0);
  });
});
