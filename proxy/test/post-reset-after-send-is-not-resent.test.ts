/**
 * Issue 11 item 4 (proxy part): a replica that resets the connection after receiving a request
 * may already be running it, so a non-idempotent request (even a body-less POST) is not sent
 * again, and the refusal says it may have started (`x-switchyard-refused: 1`). An idempotent
 * GET is retried on the fallback; a refusal that reached no upstream says `not-started`.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

/** Reads a request head, then resets the connection: the request was received, never answered. */
async function resettingReplica(): Promise<{
  server: Server;
  url: string;
  received: () => number;
}> {
  let received = 0;
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      if (!chunk.includes('\r\n\r\n')) return;
      // Health checks are reset too, but only app requests are counted.
      if (!chunk.toString('latin1').startsWith('GET /health')) received += 1;
      socket.resetAndDestroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received: () => received };
}

describe('a request reset after it was sent is not re-sent unless idempotent', () => {
  let resetting: Awaited<ReturnType<typeof resettingReplica>>;
  let fallback: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    resetting = await resettingReplica();
    fallback = await startReplica('c2', 'r0');
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: resetting.url },
        { cluster: 'c2', url: fallback.url },
      ],
      jwks: keys.jwks,
      // One replica failure ejects: the reset must count against the replica that reset.
      config: {
        circuitFailureThreshold: 100,
        outlierConsecutiveFailures: 1,
        outlierBaseEjectionMs: 60_000,
      },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await fallback.close();
    await new Promise((r) => resetting.server.close(r));
  });

  it('answers a body-less POST with 502 and x-switchyard-refused: 1, without sending it again', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/jobs`,
      headers: {
        'x-switchyard-token': await keys.mint({ cluster: 'c1', fallbacks: ['c2'] }),
        'content-length': '0',
      },
    });
    expect(r.status).toBe(502);
    expect(r.headers['x-switchyard-refused']).toBe('1');
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'upstream-reset' } });
    expect(resetting.received()).toBe(1);
    expect(fallback.control.snapshot().counters.requests).toBe(0);
    expect(proxy.runtime.outliers.isEjected(APP, resetting.url, Date.now())).toBe(true);
  });

  it('retries a GET on the fallback cluster', async () => {
    const r = await rawRequest(proxy.url, {
      method: 'GET',
      path: `/v4/${APP}/v1/models`,
      headers: { 'x-switchyard-token': await keys.mint({ cluster: 'c1', fallbacks: ['c2'] }) },
    });
    expect([r.status, r.headers['x-sim-cluster']]).toEqual([200, 'c2']);
  });

  it('marks a refusal that reached no replica as not-started', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/jobs`,
      headers: {
        'x-switchyard-token': await keys.mint({ cluster: 'c9', fallbacks: [] }),
        'content-length': '0',
      },
    });
    expect(r.status).toBe(503);
    expect(r.headers['x-switchyard-refused']).toBe('not-started');
  });
});
