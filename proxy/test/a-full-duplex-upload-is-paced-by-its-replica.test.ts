/**
 * A replica that answers before it has read the upload (200 at once, then reads the body at its
 * own pace) paces the client: the proxy passes the body on with backpressure, so what the client
 * got to send is what the replica read plus the buffers between them, never the whole upload
 * held in the proxy's memory. The early answer makes stream-response call `lingerIfBodyUnread`,
 * which resumes the client's request at once; that holds only while the upstream body's async
 * iterator listens for 'readable' (a stream with a 'readable' listener does not flow when
 * resumed). Suspected of buffering the whole upload in the proxy (it does not: 9 of 96 MiB
 * accepted while the replica read nothing); this pins it for any change to either side.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startTestProxy, testKeys } from './harness.ts';

const PATH = `/v4/${APP}/v1/chat/completions`;
const MIB = 1024 * 1024;
const UPLOAD = 96 * MIB;
/** How long the replica reads nothing after its answer's head. */
const REPLICA_PAUSE_MS = 1_500;

let upstream: Server;
let proxy: RunningProxy;
let keys: Awaited<ReturnType<typeof testKeys>>;
let replicaRead = 0;

/** Reads the body only after a pause, then all of it, and answers how many bytes arrived. */
function answerFirstReadLater(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  req.pause();
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('accepted\n');
  setTimeout(() => {
    req.on('data', (c: Buffer) => (replicaRead += c.length));
    req.on('end', () => res.end(`read ${replicaRead}\n`));
    req.resume();
  }, REPLICA_PAUSE_MS);
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/health') return void res.end('ok');
    answerFirstReadLater(req, res);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  keys = await testKeys();
  proxy = await startTestProxy({
    endpoints: [{ cluster: 'c1', url }],
    jwks: keys.jwks,
    apps: [{ id: APP, requests: { maxBodyBytes: 2 * UPLOAD } }],
  });
});
afterAll(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

/** Writes the upload in 1 MiB chunks as fast as the proxy takes them; counts what it took. */
function upload(s: Socket, sent: { bytes: number }): void {
  const chunk = Buffer.alloc(MIB, 0x61);
  const more = (): void => {
    while (sent.bytes < UPLOAD && !s.destroyed) {
      sent.bytes += chunk.length;
      if (!s.write(chunk)) return void s.once('drain', more);
    }
  };
  more();
}

it('sends no faster than the replica reads while the replica is answering', async () => {
  const s = connect(proxy.port, '127.0.0.1');
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.on('error', () => undefined);
  let text = '';
  s.setEncoding('latin1');
  s.on('data', (d: string) => (text += d));
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  s.write(`POST ${PATH} HTTP/1.1\r\nhost: p\r\ncontent-type: text/plain\r\ncontent-length: ${UPLOAD}\r\nx-switchyard-token: ${await keys.mint()}\r\n\r\n`);
  const sent = { bytes: 0 };
  upload(s, sent);
  // The replica's head is back and it reads nothing yet: the client may fill the buffers on
  // the way (kernel and stream buffers, a few MiB each), not send the whole upload.
  await new Promise((r) => setTimeout(r, REPLICA_PAUSE_MS - 300));
  expect(text).toMatch(/^HTTP\/1\.1 200/);
  expect(replicaRead).toBe(0);
  expect(sent.bytes).toBeLessThan(UPLOAD / 2);
  // Then the replica reads it all, and the client gets the whole answer.
  await Promise.race([closed, new Promise((r) => setTimeout(r, 20_000))]);
  expect(replicaRead).toBe(UPLOAD);
  expect(text).toContain(`read ${UPLOAD}`);
}, 30_000);
