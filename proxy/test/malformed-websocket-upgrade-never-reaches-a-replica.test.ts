/**
 * A WebSocket upgrade the client side could never complete (not a GET, no or bad
 * Sec-WebSocket-Key, an unsupported Sec-WebSocket-Version) is refused 405/400 before any
 * replica is contacted. Before, the proxy opened the replica's WebSocket first; `ws` then
 * refused the client without calling back and the upstream socket stayed open for good (one
 * replica socket per malformed request), counted as a success for the replica.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, scrapeMetrics, startTestProxy, testKeys } from './harness.ts';
import { metricSum } from './proxy-processes.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Send a raw upgrade request; resolve with the status line once the proxy closes the socket. */
async function rawUpgrade(proxyUrl: string, method: string, headers: string): Promise<string> {
  const u = new URL(proxyUrl);
  const s = connect(Number(u.port), u.hostname);
  await once(s, 'connect');
  s.write(
    `${method} /v4/${APP}/v1/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`,
  );
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString()));
  await once(s, 'close');
  return got.split('\r\n')[0] ?? '';
}

describe('a malformed WebSocket upgrade never reaches a replica', () => {
  let upstream: Server;
  let wss: WebSocketServer;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  let upgrades = 0;
  const open = new Set<WebSocket>();
  beforeAll(async () => {
    upstream = createServer((_req, res) => res.end('{}'));
    wss = new WebSocketServer({ noServer: true });
    upstream.on('upgrade', (req, sock, head) => {
      upgrades += 1;
      wss.handleUpgrade(req, sock, head, (ws) => {
        open.add(ws);
        ws.on('close', () => open.delete(ws));
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const { port } = upstream.address() as { port: number };
    keys = await testKeys();
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${port}` }],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    wss.close();
    upstream.closeAllConnections();
    upstream.close();
  });

  it.each([
    ['POST', 405, 'POST', `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n`],
    ['no key', 400, 'GET', 'Sec-WebSocket-Version: 13\r\n'],
    ['invalid key', 400, 'GET', 'Sec-WebSocket-Key: not-a-key\r\nSec-WebSocket-Version: 13\r\n'],
    ['bad version', 400, 'GET', `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 12\r\n`],
  ])('%s → %i, no upstream contact', async (_name, status, method, headers) => {
    const token = await keys.mint({ fn: 'v1/ws' });
    const line = await rawUpgrade(proxy.url, method, `x-switchyard-token: ${token}\r\n${headers}`);
    expect(line).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    await new Promise((r) => setTimeout(r, 50));
    expect(upgrades).toBe(0);
    expect(open.size).toBe(0);
  });

  it('counts the refusals as client-invalid, and a good upgrade still goes through', async () => {
    expect(metricSum(await scrapeMetrics(proxy), 'switchyard_proxy_refusals_total', { code: 'client-invalid' })).toBe(4);
    const token = await keys.mint({ fn: 'v1/ws' });
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws`, {
      headers: { 'x-switchyard-token': token },
    });
    await once(ws, 'open');
    expect(upgrades).toBe(1);
    ws.close(1000);
    await once(ws, 'close');
  });
});
