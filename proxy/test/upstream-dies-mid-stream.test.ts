import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('upstream dies mid-stream: the client sees an error, never a clean end', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 100 });
    sim.control.setDieMidStream(true, 3);
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('HTTP/1.1: the response is cut without the chunked terminator', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 20 }),
      headers: { 'x-switchyard-token': await keys.mint() },
    });
    expect(r.status).toBe(200);
    expect(r.body).toContain('data: ');
    expect(r.body).not.toContain('[DONE]');
    expect(r.complete).toBe(false);
    expect(sim.control.snapshot().counters.died).toBeGreaterThanOrEqual(1);
  });

  it('HTTP/2: the stream is reset (RST_STREAM), not ended', async () => {
    const token = await keys.mint();
    const outcome = await new Promise<{
      ended: boolean;
      error: string | null;
      rstCode: number;
      body: string;
    }>((resolve) => {
      const session = http2.connect(proxy.url);
      session.on('error', () => undefined);
      const stream = session.request({
        ':method': 'POST',
        ':path': `/v4/${APP}/v1/chat/completions`,
        'content-type': 'application/json',
        'x-switchyard-token': token,
      });
      let ended = false;
      let error: string | null = null;
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (body += c));
      stream.on('end', () => (ended = true));
      stream.on('error', (e: Error) => (error = e.message));
      stream.on('close', () => {
        resolve({ ended, error, rstCode: stream.rstCode ?? 0, body });
        session.close();
      });
      stream.end(chatBody({ stream: true, max_tokens: 20 }));
    });
    expect(outcome.body).toContain('data: ');
    expect(outcome.body).not.toContain('[DONE]');
    expect(outcome.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    expect(outcome.ended).toBe(false);
  });
});
