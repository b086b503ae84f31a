/**
 * Bodies over the app's `requests.maxBodyBytes`: a declared Content-Length is a 413 before any
 * upstream contact; a chunked body is counted and stopped with a 413 the moment it passes the
 * limit, the replica never receiving a complete request and never counted as failing. A GET
 * with a body is a 400.
 */
import { request } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { APP, rawRequest, scrapeMetrics, startTestProxy, testKeys } from './harness.ts';

const LIMIT = 64 * 1024;

/** POST `total` bytes in 8 KiB chunks without Content-Length (chunked). */
function chunkedPost(base: string, path: string, token: string, total: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: 'POST', headers: { 'x-switchyard-token': token, 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += 8192;
        if (!req.write(Buffer.alloc(8192, 120))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('oversized bodies get 413 before upstream', () => {
  let replica: EchoReplica;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    replica = await startEchoReplica();
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: replica.url }],
      // The bodies here are transport fixtures, not prompts: they stream through as sent.
      apps: [{ id: APP, requests: { maxBodyBytes: LIMIT, promptCache: 'shared' } }],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await replica.close();
  });

  const posts = (): number => replica.received.filter((r) => r.method === 'POST').length;

  it('a declared length over the limit is a 413 and never reaches the replica', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: 'x'.repeat(LIMIT + 1),
      headers: { 'x-switchyard-token': await keys.mint() },
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'body-too-large' } });
    expect(posts()).toBe(0);
  });

  it('chunked bodies over the limit are 413 and cost the replica nothing, however often', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await chunkedPost(proxy.url, `/v4/${APP}/v1/chat/completions`, await keys.mint(), LIMIT * 4);
      expect(r.status).toBe(413);
    }
    // Whatever reached the replica never completed as a request.
    expect(replica.received.filter((r) => r.method === 'POST' && r.bodyBytes >= 0)).toEqual([]);
    // The client's fault never opened c1's circuit (this read the breaker by a key no breaker has, so it could not fail).
    expect(await scrapeMetrics(proxy)).toMatch(/^switchyard_proxy_circuit_open\{cluster="c1"\} 0$/m);
    const ok = await chunkedPost(proxy.url, `/v4/${APP}/v1/chat/completions`, await keys.mint(), LIMIT / 2);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ bodyBytes: LIMIT / 2 });
  });

  it('an HTTP/2 body without content-length over the limit is a 413', async () => {
    const session = h2connect(proxy.url);
    const stream = session.request({ ':method': 'POST', ':path': `/v4/${APP}/v1/chat/completions`, 'x-switchyard-token': await keys.mint() });
    stream.on('error', () => undefined);
    const status = new Promise<number>((r) => stream.once('response', (h) => r(Number(h[':status']))));
    for (let i = 0; i < 16; i++) stream.write(Buffer.alloc(16 * 1024, 120));
    stream.end();
    expect(await status).toBe(413);
    session.close();
  });

  it('a GET with a body is a 400', async () => {
    const r = await rawRequest(proxy.url, {
      method: 'GET',
      path: `/v4/${APP}/v1/models`,
      body: '{"x":1}',
      headers: { 'x-switchyard-token': await keys.mint() },
    });
    expect(r.status).toBe(400);
  });
});
