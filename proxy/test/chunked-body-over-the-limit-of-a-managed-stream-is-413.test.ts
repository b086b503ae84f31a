/**
 * A managed stream (an app with `requests.streams`) reads the whole JSON body before its first
 * attempt. A chunked body that outgrows the app's `requests.maxBodyBytes` while it is read is
 * the same refusal as a declared length over it: 413 `body-too-large`, never
 * `client-body-aborted` (which says the client stopped short, and sends it hunting for a network
 * problem). The plain path says the same.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { APP, rawRequest, startTestProxy, testKeys } from './harness.ts';

const LIMIT = 16 * 1024;
const STREAMED = 'acme/streamed';

/** POST `total` bytes in 4 KiB chunks without Content-Length (chunked). */
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
        sent += 4096;
        if (!req.write(Buffer.alloc(4096, 120))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('a chunked body over the limit of a managed stream', () => {
  let replica: EchoReplica;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    replica = await startEchoReplica();
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: replica.url },
        { cluster: 'c1', app: STREAMED, url: replica.url },
      ],
      apps: [
        { id: APP, requests: { maxBodyBytes: LIMIT } },
        { id: STREAMED, requests: { maxBodyBytes: LIMIT, streams: { heartbeats: true, continuation: true } } },
      ],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await replica.close();
  });

  it.each([
    ['a managed stream', STREAMED],
    ['the plain path', APP],
  ])('is 413 body-too-large on %s, as a declared length is', async (_name, app) => {
    const token = await keys.mint({ app });
    const chunked = await chunkedPost(proxy.url, `/v4/${app}/v1/chat/completions`, token, LIMIT * 4);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ error: { code: 'body-too-large' } });
    const declared = await rawRequest(proxy.url, {
      path: `/v4/${app}/v1/chat/completions`,
      body: 'x'.repeat(LIMIT + 1),
      headers: { 'x-switchyard-token': await keys.mint({ app }) },
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: { code: 'body-too-large' } });
  });
});
