/**
 * Header lines are limited by their bytes (`maxHeaderBytes`, 431 over it), never by their count.
 * Node's HTTP/1.1 server kept only the first 1,000 lines and dropped the rest without a word:
 * a Content-Length or routing token past them vanished, so the proxy forwarded a request without
 * its body, or took an edge's request (its token last) for a tokenless one and refused a valid key
 * 401. Over HTTP/2, Node's default of 128 header entries reset the stream (ENHANCE_YOUR_CALM)
 * with no answer at all. Both now arrive whole.
 */
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { APP, rawRequest, startTestProxy, testKeys } from './harness.ts';

function filler(n: number): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i < n; i++) h[`x-f${i}`] = 'v';
  return h;
}

describe('a request with many small headers arrives whole', () => {
  let replica: EchoReplica;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    replica = await startEchoReplica();
    // The body is checked byte for byte: sent as is, without its project's prompt-cache salt.
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: replica.url }], apps: [{ id: APP, requests: { promptCache: 'shared' } }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await replica.close();
  });

  it('HTTP/1.1: 1,200 header lines, the token and the body after them', async () => {
    const body = '{"messages":[]}';
    // Node's client writes headers in insertion order: the filler first, the token and length last.
    const r = await rawRequest(proxy.url, {
      path: '/v4/acme/chat/v1/many?h1',
      body,
      headers: { ...filler(1_200), 'x-after': 'yes', 'x-switchyard-token': await keys.mint(), 'content-length': String(body.length) },
    });
    expect(r.status, r.body).toBe(200);
    const seen = replica.received.find((x) => x.rawUrl === '/v1/many?h1');
    expect(seen?.headers['x-after']).toBe('yes');
    expect(seen?.bodyBytes).toBe(body.length);
  });

  it('HTTP/1.1: past maxHeaderBytes it is still 431', async () => {
    const r = await rawRequest(proxy.url, { path: '/v4/acme/chat/v1/many', body: '{}', headers: { ...filler(3_000), 'x-switchyard-token': await keys.mint() } });
    expect(r.status).toBe(431);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'headers-too-large' } });
  });

  it('HTTP/2: 300 headers get an answer and reach the replica', async () => {
    const session = http2.connect(proxy.url);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/v4/acme/chat/v1/many?h2', ...filler(300), 'x-after': 'yes', 'x-switchyard-token': await keys.mint() });
      stream.end('{}');
      const status = await new Promise<string>((resolve) => {
        stream.on('response', (h) => resolve(String(h[':status'])));
        stream.on('error', (err: Error) => resolve(err.message));
      });
      stream.resume();
      expect(status).toBe('200');
    } finally {
      session.close();
    }
    expect(replica.received.find((x) => x.rawUrl === '/v1/many?h2')?.headers['x-after']).toBe('yes');
  });
});
