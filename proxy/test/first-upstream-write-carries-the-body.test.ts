import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startTestProxy, testKeys, waitFor } from './harness.ts';

// Routed first-chunk latency (issue 19): a small prompt has usually arrived whole by the time its
// token has been verified. Handed to undici as a stream (an async generator over the request, in a
// Readable), the upstream head waited for the body's first chunk to come through that pipe, some
// event-loop turns after the dispatch; taken at once as bytes, head and body leave at dispatch.
// A body still on its way is streamed as before.

/** A real undici Agent that notes what kind of body each upstream request was given. */
class BodySpy extends Agent {
  readonly bodies: string[] = [];

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const b = opts.body;
    this.bodies.push(Buffer.isBuffer(b) ? 'bytes' : b instanceof Readable ? 'stream' : String(typeof b));
    return super.dispatch(opts, handler);
  }
}

let replica: http.Server;
let proxy: RunningProxy;
let spy: BodySpy;
let mint: Awaited<ReturnType<typeof testKeys>>['mint'];

beforeAll(async () => {
  // Echoes the body it received, so the test sees it arrive intact either way.
  replica = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => res.end(JSON.stringify({ got: Buffer.concat(parts).toString('utf8') })));
  });
  await new Promise<void>((r) => replica.listen(0, '127.0.0.1', r));
  const port = (replica.address() as net.AddressInfo).port;
  const keys = await testKeys();
  mint = keys.mint;
  spy = new BodySpy({ keepAliveTimeout: 10_000 });
  proxy = await startTestProxy({
    endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${port}` }],
    // Bodies go as sent: a salted app's are read whole (and changed) before the first write.
    apps: [{ id: APP, requests: { promptCache: 'shared' } }],
    jwks: keys.jwks,
    deps: { dispatcher: spy },
  });
});

afterAll(async () => {
  await proxy.close();
  await spy.close();
  await new Promise<void>((r) => replica.close(() => r()));
});

it('hands a body that has fully arrived to the upstream as bytes, intact', async () => {
  const body = chatBody({ max_tokens: 1 });
  spy.bodies.length = 0;
  const res = await rawRequest(proxy.url, {
    path: `/v4/${APP}/v1/chat/completions`,
    body,
    headers: { 'x-switchyard-token': await mint({ cluster: 'c1' }) },
  });
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body)).toEqual({ got: body });
  expect(spy.bodies).toEqual(['bytes']);
});

it('streams a body that is still on its way when the upstream request starts', async () => {
  const body = chatBody({ max_tokens: 1 });
  spy.bodies.length = 0;
  const token = await mint({ cluster: 'c1' });
  const url = new URL(proxy.url);
  const socket = net.connect(Number(url.port), url.hostname);
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
  socket.write(
    `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-switchyard-token: ${token}\r\nconnection: close\r\n\r\n`,
  );
  // The head alone: the proxy admits it and starts the upstream request without the body.
  await waitFor(() => spy.bodies.length === 1, `the upstream request (got: ${received})`);
  socket.write(body);
  await waitFor(() => received.includes('"got"'), 'the echoed body');
  expect(received.startsWith('HTTP/1.1 200')).toBe(true);
  expect(received).toContain(JSON.stringify({ got: body }));
  expect(spy.bodies).toEqual(['stream']);
  socket.destroy();
});
