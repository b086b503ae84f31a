/**
 * Issue 11 item 1: requests a client got wrong (Expect: 100-continue that undici refuses,
 * duplicate or malformed WebSocket subprotocols, a body the client abandons) are answered by
 * the proxy and never touch the circuit breaker, the outlier detector or the health report.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, scrapeMetrics, startReplica, startTestProxy, testKeys } from './harness.ts';
import { metricSum } from './proxy-processes.ts';

const PATH = `/v4/${APP}/v1/chat/completions`;

/** A curl-style upload: headers with `Expect: 100-continue`, the body only after `100 Continue`. */
function expectContinuePost(
  baseUrl: string,
  token: string,
  body: string,
): Promise<{ status: number; continued: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = request(new URL(PATH, baseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
        'x-switchyard-token': token,
      },
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, continued, body: text }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** A raw upgrade request (the `ws` client refuses to send a bad subprotocol list itself). */
function rawUpgrade(port: number, token: string, protocols: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(
        [
          `GET /v4/${APP}/v1/ws HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          `Sec-WebSocket-Protocol: ${protocols}`,
          `x-switchyard-token: ${token}`,
          '',
          '',
        ].join('\r\n'),
      ),
    );
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (got += c));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

/** Announce a big body, send a few bytes, vanish. */
function abandonedUpload(port: number, token: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${PATH} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\nx-switchyard-token: ${token}\r\n\r\n{"model":`,
      );
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on('close', () => resolve());
    socket.on('error', () => undefined);
  });
}

describe('client faults never count against a cluster', () => {
  let r0: SimCluster;
  let r1: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    r0 = await startReplica('c1', 'r0');
    r1 = await startReplica('c1', 'r1');
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: r0.url },
        { cluster: 'c1', url: r1.url },
      ],
      jwks: keys.jwks,
      // One failure would open the circuit / eject a replica: any miscounted fault shows.
      config: { circuitFailureThreshold: 1, outlierConsecutiveFailures: 1 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await r0.close();
    await r1.close();
  });

  // As the operator sees it (every worker's view): c1's circuit closed, no replica ever ejected.
  const untouched = async (): Promise<void> => {
    const scrape = await scrapeMetrics(proxy);
    expect(scrape).toMatch(/^switchyard_proxy_circuit_open\{cluster="c1"\} 0$/m);
    expect(metricSum(scrape, 'switchyard_proxy_outlier_ejections_total')).toBe(0);
  };

  it('answers Expect: 100-continue itself and serves the upload (curl sends it for big bodies)', async () => {
    const token = await keys.mint();
    const long = 'lorem ipsum '.repeat(20_000);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        expectContinuePost(
          proxy.url,
          token,
          chatBody({ max_tokens: 2, messages: [{ role: 'user', content: long }] }),
        ),
      ),
    );
    for (const r of results) expect([r.status, r.continued]).toEqual([200, true]);
    await untouched();
  });

  it.each([
    ['a, a', /twice/],
    ['a b', /not one/],
    ['chat,', /not one/],
  ])(
    'refuses Sec-WebSocket-Protocol %j with 400 before any upstream contact',
    async (protocols, why) => {
      const token = await keys.mint();
      const before =
        r0.control.snapshot().counters.requests + r1.control.snapshot().counters.requests;
      for (let i = 0; i < 3; i += 1) {
        const answer = await rawUpgrade(proxy.port, token, protocols);
        expect(answer).toMatch(/^HTTP\/1\.1 400 /);
        expect(answer).toMatch(why);
        expect(answer).not.toMatch(/x-switchyard-refused/);
      }
      expect(
        r0.control.snapshot().counters.requests + r1.control.snapshot().counters.requests,
      ).toBe(before);
      await untouched();
    },
  );

  it('does not blame a replica for a client that abandons its upload', async () => {
    const token = await keys.mint();
    for (let i = 0; i < 4; i += 1) await abandonedUpload(proxy.port, token);
    await untouched();
  });

  it('still serves everyone normally afterwards, from both replicas', async () => {
    const token = await keys.mint();
    const replicas = new Set<string>();
    for (let i = 0; i < 4; i += 1) {
      const r = await rawRequest(proxy.url, {
        path: PATH,
        body: chatBody({ max_tokens: 1 }),
        headers: { 'x-switchyard-token': token },
      });
      expect(r.status).toBe(200);
      replicas.add(String(r.headers['x-sim-replica']));
    }
    expect(replicas).toEqual(new Set(['r0', 'r1']));
    await untouched();
  });
});
