/**
 * Tenant isolation for memory, WebSockets: `ws` keeps a message in the proxy's memory until its
 * last byte arrives (up to the app's maxBodyBytes), and nothing charged it. One tenant's sockets
 * each sending all but the last byte of an 8 MiB message held 8 MiB of the proxy apiece for as
 * long as they liked (session 45: 40 sockets, +320 MiB; a 2 GiB pod is gone at ~250), and every
 * tenant's streams died with the process. Now a bridge's held bytes come out of the allowance
 * for bodies held whole (PROXY_BUFFERED_BODY_BYTES, fair per project): past its project's share
 * the socket is closed 1013 (try again later), another project's sockets go on, and the bytes
 * come back when the message or the socket ends.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { RunningProxy } from '../src/proxy.ts';
import { startTestProxy } from './harness.ts';

const MIB = 1024 * 1024;
const A = 'acme/chat';
const B = 'other/bot';

let upstream: Server;
let wss: WebSocketServer;
let proxy: RunningProxy;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  upstream = createServer((_req, res) => res.end('{}'));
  wss = new WebSocketServer({ noServer: true });
  upstream.on('upgrade', (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => ws.on('message', (data: Buffer, binary) => ws.send(data, { binary }))));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as { port: number };
  proxy = await startTestProxy({
    endpoints: [A, B].map((app) => ({ cluster: 'c1', app, url: `http://127.0.0.1:${port}` })),
    apps: [A, B].map((id) => ({ id, requests: { maxBodyBytes: 8 * MIB } })),
    // 4 MiB for held bytes: one project alone holds at most half.
    config: { promptBodyMaxBytes: MIB, bufferedBodyBytes: 4 * MIB },
  });
});
afterAll(async () => {
  for (const s of sockets) s.terminate();
  await proxy.close();
  wss.close();
  upstream.closeAllConnections();
  upstream.close();
});

async function open(app: string): Promise<WebSocket> {
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${app}/v1/ws`);
  sockets.push(ws);
  await once(ws, 'open');
  return ws;
}

/** Sends the frame header of a `size`-byte binary message and `sent` bytes of it, never the rest. */
function sendPartial(ws: WebSocket, size: number, sent: number): void {
  const head = Buffer.alloc(14);
  head[0] = 0x82;
  head[1] = 0x80 | 127;
  head.writeBigUInt64BE(BigInt(size), 2);
  // Mask key 0: the payload goes as is.
  const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
  socket.write(head);
  socket.write(Buffer.alloc(sent, 0x61));
}

it("one project's unfinished WebSocket messages stop at its share; another project's sockets go on; the bytes come back", async () => {
  const a = await open(A);
  const closed = once(a, 'close') as Promise<[number, Buffer]>;
  // Within the app's 8 MiB message limit, past the project's 2 MiB share.
  sendPartial(a, 6 * MIB, 3 * MIB);
  const [code, reason] = await Promise.race([closed, new Promise<[number, Buffer]>((r) => setTimeout(() => r([0, Buffer.alloc(0)]), 5_000))]);
  expect(code).toBe(1013);
  expect(reason.toString()).toContain('project acme is over its share');

  // Another project's socket still relays whole messages, a 1 MiB one included.
  const b = await open(B);
  b.send(Buffer.alloc(MIB, 0x62));
  const [echo] = (await once(b, 'message')) as [Buffer];
  expect(echo.length).toBe(MIB);

  // A's closed socket gave its bytes back: a new one of A's carries a whole message.
  await expect.poll(() => proxy.runtime.bodyBuffers.held, { timeout: 5_000, interval: 50 }).toBe(0);
  const again = await open(A);
  again.send(Buffer.alloc(512 * 1024, 0x63));
  const [back] = (await once(again, 'message')) as [Buffer];
  expect(back.length).toBe(512 * 1024);
  expect(proxy.runtime.bodyBuffers.held).toBe(0);
});

it("a socket's pings are not a message held: a long-lived socket that pings is never charged for them", async () => {
  const a = await open(A);
  // 1,000 pings of 125 bytes, one at a time (`ws` cuts a socket with too many pongs pending): twice
  // what a bridge holds uncharged, had they counted as a message being read.
  for (let i = 0; i < 1_000; i++) {
    a.ping(Buffer.alloc(125, 0x70));
    await once(a, 'pong');
  }
  expect(proxy.runtime.bodyBuffers.held).toBe(0);
  a.close(1000);
  await once(a, 'close');
});
