/**
 * Only the proxy speaks for Switchyard. A replica (app code, or a chained proxy) answering a
 * POST with 503 + `x-switchyard-refused: not-started` must not reach the edge with that header:
 * the edge would believe the POST never started and send it to its next cluster (a double run).
 * Every `x-switchyard-*` header a replica sends is dropped, on HTTP answers and on the
 * WebSocket 101; the proxy then sets its own.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startTestProxy, testKeys } from './harness.ts';

const FORGED = {
  'x-switchyard-refused': 'not-started',
  'x-switchyard-cluster': 'elsewhere',
  'x-switchyard-decision': 'forged',
};

describe('a replica cannot forge x-switchyard-* headers', () => {
  let upstream: Server;
  let wss: WebSocketServer;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  let posts = 0;
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      if (req.method === 'POST') posts += 1;
      const status = req.url?.includes('fail') === true ? 503 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'x-app': 'kept', ...FORGED });
      res.end('{"ok":true}');
    });
    wss = new WebSocketServer({ noServer: true });
    wss.on('headers', (headers) => headers.push('x-switchyard-refused: not-started', 'x-app: kept'));
    upstream.on('upgrade', (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => ws.close(1000)));
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
    ['a 503 to a POST', 'v1/fail', 503],
    ['a 200', 'v1/chat/completions', 200],
  ])('%s: the replica\'s x-switchyard-* headers are dropped', async (_name, fn, status) => {
    const token = await keys.mint({ fn });
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/${fn}`,
      headers: { 'x-switchyard-token': token },
      body: chatBody(),
    });
    expect(r.status).toBe(status);
    expect(r.headers['x-app']).toBe('kept');
    expect(r.headers['x-switchyard-refused']).toBeUndefined();
    expect(r.headers['x-switchyard-decision']).toBeUndefined();
    expect(r.headers['x-switchyard-cluster']).toBe('c1');
  });

  it('the POST reached the replica once per request (the proxy did not re-send it)', () => {
    expect(posts).toBe(2);
  });

  it('the WebSocket 101 carries no replica x-switchyard-* header', async () => {
    const token = await keys.mint({ fn: 'v1/ws' });
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws`, {
      headers: { 'x-switchyard-token': token },
    });
    const [res] = (await once(ws, 'upgrade')) as [{ headers: Record<string, string | undefined> }];
    expect(res.headers['x-app']).toBe('kept');
    expect(res.headers['x-switchyard-refused']).toBeUndefined();
    expect(res.headers['x-switchyard-cluster']).toBe('c1');
    await once(ws, 'close');
  });
});
