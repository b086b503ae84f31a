/**
 * A client's slow upload is never a hung replica. The attempt's time-to-first-byte budget
 * (`upstreamHeadersTimeoutMs`) runs while the replica owes the head, not while the client's body
 * is still arriving: before, the HTTP/2 call started its clock before the stream existed, so a
 * client uploading slower than the budget (a big prompt or image over a slow link) got a 504
 * `upstream-timeout` blamed on the replica, and with the default 3 in a row one slow client
 * ejected the replica for every other client of the app. HTTP/1.1 (undici) was already right and
 * is held to the same.
 */
import http2 from 'node:http2';
import { connect, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy, testKeys } from './harness.ts';

const PATH = `/v4/${APP}/v1/chat/completions`;

/** A complete, valid request whose body arrives in 6 pieces over 2.5 s; returns the status line. */
function slowUpload(port: number, token: string): Promise<string> {
  const body = JSON.stringify({ model: 'demo-llm', max_tokens: 1, messages: [{ role: 'user', content: 'x'.repeat(600) }] });
  const parts = Array.from({ length: 6 }, (_, i) => body.slice((i * body.length) / 6, ((i + 1) * body.length) / 6));
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\naccept: text/event-stream\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-switchyard-token: ${token}\r\n\r\n`);
      parts.forEach((p, i) => setTimeout(() => !s.destroyed && s.write(p), 100 + i * 480));
    });
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      got += c;
      if (got.includes('\r\n')) {
        s.destroy();
        resolve(got.split('\r\n')[0] ?? '');
      }
    });
    s.on('error', reject);
  });
}

describe.each(['HTTP/1.1', 'HTTP/2'])('to %s replicas', (protocol) => {
  const h2 = protocol === 'HTTP/2';
  let r0: SimCluster;
  let r1: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;

  beforeAll(async () => {
    keys = await testKeys();
    const engine = h2 ? { h2cMaxStreams: 100 } : {};
    r0 = await startReplica('c1', 'r0', engine);
    r1 = await startReplica('c1', 'r1', engine);
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: r0.url }, { cluster: 'c1', url: r1.url }],
      // Bodies stream through (a salted app's would be read whole before the attempt).
      apps: [{ id: APP, requests: { promptCache: 'shared' } }],
      jwks: keys.jwks,
      // A 1 s TTFB budget stands for the app's 60 s one and a 60+ s upload; one failure ejects.
      config: { outlierConsecutiveFailures: 1, upstreamHeadersTimeoutMs: 1_000, ...(h2 ? { upstreamProtocols: '*=h2' } : {}) },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await r0.close();
    await r1.close();
  });

  it("a client's body arriving over 2.5 s is answered and ejects no replica", async () => {
    const status = await slowUpload(proxy.port, await keys.mint());
    const now = Date.now();
    const ejected = [r0.url, r1.url].filter((u) => proxy.runtime.outliers.isEjected(APP, u, now));
    expect(status).toBe('HTTP/1.1 200 OK');
    expect(ejected).toEqual([]);
  }, 20_000);
});

/** An h2c replica that takes a POST's head but never reads its body nor answers. */
async function bodyIgnoringReplica(): Promise<{ server: http2.Http2Server; url: string }> {
  const server = http2.createServer((req, res) => {
    if (req.url === '/health') return void res.end('ok');
    req.pause();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('an HTTP/2 replica that stops reading the body', () => {
  let up: Awaited<ReturnType<typeof bodyIgnoringReplica>>;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    up = await bodyIgnoringReplica();
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: up.url }],
      apps: [{ id: APP, requests: { promptCache: 'shared' } }],
      jwks: keys.jwks,
      config: { upstreamHeadersTimeoutMs: 1_000, upstreamProtocols: 'c1=h2' },
    });
  });
  afterAll(async () => {
    await proxy.close();
    up.server.close();
  });

  it('is timed out like one that never answers (its backpressure is not the client)', async () => {
    const t0 = performance.now();
    const r = await request(`${proxy.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-token': await keys.mint() },
      // Far past HTTP/2's 64 KiB initial window, sent as fast as the proxy takes it.
      body: Readable.from([Buffer.alloc(4 * 2 ** 20, 0x20)]),
    });
    await r.body.text();
    expect(r.statusCode).toBe(504);
    expect(performance.now() - t0).toBeLessThan(5_000);
  }, 20_000);
});
