/**
 * An HTTP/2 upstream that loses its connection (killed, or GOAWAY and gone) fails the attempts on
 * it exactly as a reset HTTP/1.1 connection does: `upstream-reset`, blamed on the replica (it is
 * ejected), a POST that reached it is not sent again (`x-switchyard-refused: 1`), a GET goes to
 * the fallback, and a stream cut mid-body reaches the client as a cut, never as a clean end.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

/** An h2c replica that reads each request's head, then kills the whole connection (health checks pass). */
async function killingH2Replica(): Promise<{ server: http2.Http2Server; url: string; received: () => number }> {
  let received = 0;
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    if (headers[':path'] === '/health') return void stream.respond({ ':status': 200 }, { endStream: true });
    received += 1;
    stream.session?.destroy();
  });
  server.on('sessionError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received: () => received };
}

const ejectOnFirstFault = { circuitFailureThreshold: 100, outlierConsecutiveFailures: 1, outlierBaseEjectionMs: 60_000 };

describe('an h2c upstream that loses its connection fails attempts like a reset on HTTP/1.1', () => {
  let killing: Awaited<ReturnType<typeof killingH2Replica>>;
  let killingGet: Awaited<ReturnType<typeof killingH2Replica>>;
  let fallback: SimCluster;
  let streaming: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    killing = await killingH2Replica();
    killingGet = await killingH2Replica();
    fallback = await startReplica('c2', 'r0', { h2cMaxStreams: 100 });
    streaming = await startReplica('c3', 'r0', { h2cMaxStreams: 100, tokensPerSecond: 50 });
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: killing.url },
        { cluster: 'c2', url: fallback.url },
        { cluster: 'c3', url: streaming.url },
        { cluster: 'c4', url: killingGet.url },
      ],
      jwks: keys.jwks,
      config: { ...ejectOnFirstFault, upstreamProtocols: '*=h2' },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await fallback.close();
    await streaming.close();
    await new Promise((r) => killing.server.close(r));
    await new Promise((r) => killingGet.server.close(r));
  });

  it('a POST whose connection died after it was sent: 502 upstream-reset, refused 1, not re-sent, replica ejected', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/jobs`,
      headers: { 'x-switchyard-token': await keys.mint({ cluster: 'c1', fallbacks: ['c2'] }), 'content-length': '0' },
    });
    expect(r.status).toBe(502);
    expect(r.headers['x-switchyard-refused']).toBe('1');
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'upstream-reset' } });
    expect(killing.received()).toBe(1);
    expect(fallback.control.snapshot().counters.requests).toBe(0);
    expect(proxy.runtime.outliers.isEjected(APP, killing.url, Date.now())).toBe(true);
  });

  it('a GET is retried on the fallback cluster', async () => {
    const r = await rawRequest(proxy.url, {
      method: 'GET',
      path: `/v4/${APP}/v1/models`,
      headers: { 'x-switchyard-token': await keys.mint({ cluster: 'c4', fallbacks: ['c2'] }) },
    });
    expect([r.status, r.headers['x-sim-cluster']]).toEqual([200, 'c2']);
    expect(killingGet.received()).toBe(1);
  });

  it('GOAWAY and a dropped connection mid-stream: the client sees a cut stream and the replica takes the fault', async () => {
    let dropped = false;
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 200 }),
      headers: { 'x-switchyard-token': await keys.mint({ cluster: 'c3' }) },
      onChunk: (text) => {
        if (!dropped && text.includes('"content":"')) {
          dropped = true;
          streaming.dropH2Connections(true);
        }
      },
    });
    expect(dropped).toBe(true);
    expect(r.status).toBe(200);
    expect(r.body).toContain('data: ');
    expect(r.body).not.toContain('[DONE]');
    expect(r.complete).toBe(false);
    expect(proxy.runtime.outliers.isEjected(APP, streaming.url, Date.now())).toBe(true);
  });
});
