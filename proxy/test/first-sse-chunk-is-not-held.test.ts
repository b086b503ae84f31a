import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, startTestProxy, testKeys } from './harness.ts';

// Routed first-chunk latency (issue 19's bar): a replica's head and first event usually arrive in
// one read. The proxy used to flush the head alone and send the event in a second write, deferred
// by Node's cork to a tick that comes after every other queued microtask: two writes and two
// wake-ups of the client before its first chunk. Now head and event leave in one write, at once;
// and an event that came alone is never held for the next one.
let upstream: net.Server;
let proxy: RunningProxy;
let mint: Awaited<ReturnType<typeof testKeys>>['mint'];
let secondSent = false;
let releaseSecond: () => void = () => undefined;

const FIRST = 'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n';
const SECOND = 'data: [DONE]\n\n';
const chunk = (s: string): string => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;

/** Writes on sockets whose peer is `port` (the proxy's side of the client's connection). */
const writesTo = new Map<number, string[]>();
type WriteGeneric = (this: net.Socket, writev: boolean, data: unknown, encoding: string, cb: unknown) => unknown;
const proto = net.Socket.prototype as unknown as { _writeGeneric: WriteGeneric };
const original = proto._writeGeneric;

function text(writev: boolean, data: unknown): string {
  if (!writev) return Buffer.isBuffer(data) ? data.toString('latin1') : String(data);
  return (data as { chunk: unknown }[]).map((d) => (Buffer.isBuffer(d.chunk) ? d.chunk.toString('latin1') : String(d.chunk))).join('');
}

beforeAll(async () => {
  proto._writeGeneric = function (this: net.Socket, writev, data, encoding, cb) {
    const port = this.remotePort;
    if (port !== undefined) writesTo.get(port)?.push(text(writev, data));
    return original.call(this, writev, data, encoding, cb);
  };
  // A replica that sends its head and first event in one write, then nothing until told.
  upstream = net.createServer((socket) => {
    socket.once('data', () => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${chunk(FIRST)}`);
      releaseSecond = () => {
        secondSent = true;
        socket.end(`${chunk(SECOND)}0\r\n\r\n`);
      };
      setTimeout(() => releaseSecond(), 5_000).unref();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as net.AddressInfo).port;
  const keys = await testKeys();
  mint = keys.mint;
  proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${port}` }], jwks: keys.jwks });
});

afterAll(async () => {
  proto._writeGeneric = original;
  await proxy.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

it('sends the head and the first event in one write, before the replica sends anything more', async () => {
  const token = await mint({ cluster: 'c1' });
  const body = chatBody({ stream: true, max_tokens: 1 });
  const url = new URL(proxy.url);
  const client = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((r) => client.once('connect', r));
  const writes: string[] = [];
  writesTo.set(client.localPort ?? 0, writes);
  let received = '';
  let firstBeforeSecond: boolean | null = null;
  const done = new Promise<void>((resolve) => {
    client.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (firstBeforeSecond === null && received.includes('"role"')) {
        firstBeforeSecond = !secondSent;
        releaseSecond();
      }
      if (received.includes('0\r\n\r\n')) resolve();
    });
  });
  client.write(
    `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: ${url.host}\r\naccept: text/event-stream\r\n` +
      `content-type: application/json\r\nx-switchyard-token: ${token}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  await done;
  client.destroy();
  // The client had its first event while the replica was still holding the rest back.
  expect(firstBeforeSecond).toBe(true);
  expect(received).toContain('[DONE]');
  // One write carried the head and the first event (before: the head alone, then the event).
  expect(writes[0]).toMatch(/^HTTP\/1\.1 200/);
  expect(writes[0]).toContain('"role"');
});
