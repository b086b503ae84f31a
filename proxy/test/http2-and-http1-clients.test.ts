import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import {
  APP,
  chatBody,
  rawRequest,
  sseData,
  startReplica,
  startTestProxy,
  testKeys,
} from './harness.ts';

function h2Request(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string; chunks: number }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url); // cleartext: h2c with prior knowledge
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/json',
      ...headers,
    });
    let respHeaders: http2.IncomingHttpHeaders = {};
    let text = '';
    let chunks = 0;
    stream.on('response', (h) => (respHeaders = h));
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => ((text += c), (chunks += 1)));
    stream.on('end', () => {
      session.close();
      resolve({ status: Number(respHeaders[':status']), headers: respHeaders, body: text, chunks });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

describe('HTTP/2 (h2c prior knowledge) and HTTP/1.1 clients on the same port', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    // 40 ms between tokens: a loaded machine's event-loop stalls (tens of ms, with the proxy in
    // worker processes) merged 10 ms tokens into two DATA frames, and the streaming check failed.
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 25 });
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('serves a streamed completion over h2c', async () => {
    const token = await keys.mint();
    const r = await h2Request(
      proxy.url,
      `/v4/${APP}/v1/chat/completions`,
      { 'x-switchyard-token': token },
      chatBody({ stream: true, max_tokens: 6 }),
    );
    expect(r.status).toBe(200);
    expect(r.headers['x-switchyard-cluster']).toBe('c1');
    expect(r.headers['content-type']).toContain('text/event-stream');
    expect(sseData(r.body).at(-1)).toBe('[DONE]');
    expect(r.chunks).toBeGreaterThan(3);
  });

  it('serves a non-streamed completion over h2c', async () => {
    const r = await h2Request(
      proxy.url,
      `/v4/${APP}/v1/chat/completions`,
      { 'x-switchyard-token': await keys.mint() },
      chatBody({ max_tokens: 3 }),
    );
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { choices: unknown[] }).choices).toHaveLength(1);
  });

  it('serves HTTP/1.1 on the same port', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ max_tokens: 3 }),
      headers: { 'x-switchyard-token': await keys.mint() },
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-switchyard-cluster']).toBe('c1');
  });

  it('refuses over h2c with a JSON error when the token is missing', async () => {
    const r = await h2Request(proxy.url, `/v4/${APP}/v1/chat/completions`, {}, chatBody());
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'token-missing' } });
  });
});
