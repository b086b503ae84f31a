/**
 * A client that stops reading a large answer is never a hung replica. The proxy pauses the
 * replica while the client does not read (backpressure); the idle timer (`PROXY_IDLE_TIMEOUT_MS`)
 * kept running through that pause, fired, and recorded `upstream-timeout` blamed on the replica:
 * three such clients at once ejected the replica for every other client of the app (audit s24).
 * Now a timer that fires while the replica waits for the client ends the answer as the client's
 * doing (`client-stalled`): no fault, no ejection; a replica that goes silent on its own is still
 * cut and blamed.
 */
import { createServer, type Server } from 'node:http';
import http2 from 'node:http2';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startTestProxy, testKeys } from './harness.ts';

const PATH = `/v4/${APP}/v1/chat/completions`;
const BIG = Buffer.alloc(32 * 1024 * 1024, 'x');
let upstream: Server;
let url: string;
let proxy: RunningProxy;
let keys: Awaited<ReturnType<typeof testKeys>>;
let silentAfterHead = false;
// 1.5 s stands for the default 60 s. The slow-tail case needs a client pause shorter than it and a
// tail that comes later than it after the replica's first bytes, but sooner after the pause:
// at 600 ms the room for a late timer or a slow dispatch on a loaded machine was 100-150 ms.
const IDLE_MS = 1_500;
const TAIL_MS = 1_800; // the replica's last bytes, after its first
const PAUSE_MS = 800; // the client's pause, counted from the replica's first bytes
/** Resolved when the slow-tail replica has written its first bytes. */
let wroteHead: () => void = () => undefined;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    if (req.url === '/health') return void res.end('ok');
    if (req.headers['x-test'] === 'slow-tail') {
      // 20 KB at once (more than the client's window and the proxy's buffer), then the last bytes later (a generation that finishes late).
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(Buffer.alloc(20_000, 'y'));
      wroteHead();
      setTimeout(() => res.end('tail'), TAIL_MS);
      return;
    }
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(BIG.length) });
      // A hung replica: the head and a little of the body, then nothing.
      if (silentAfterHead) res.write(BIG.subarray(0, 1024));
      else res.end(BIG);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  keys = await testKeys();
  proxy = await startTestProxy({
    endpoints: [{ cluster: 'c1', url }],
    jwks: keys.jwks,
    // One failure ejects.
    config: { idleTimeoutMs: IDLE_MS, outlierConsecutiveFailures: 1 },
  });
});
afterAll(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

/** Asks for the answer over a raw socket, reads its first bytes, then reads nothing more. */
function stallAfterFirstBytes(token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const body = '{"model":"demo-llm","messages":[]}';
    const s = connect(proxy.port, '127.0.0.1', () => {
      s.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nx-switchyard-token: ${token}\r\n\r\n${body}`);
    });
    s.once('data', () => {
      s.pause();
      resolve(s);
    });
    s.on('error', reject);
  });
}

// Found in review: after the client read again the replica had only what was left of the timer
// (the idle budget less the client's pause), so its next bytes were an idle timeout blamed on
// it. The replica's budget now restarts when the client drains.
it('a client that pauses and reads again leaves the replica its whole idle budget', async () => {
  silentAfterHead = false;
  const session = http2.connect(`http://127.0.0.1:${proxy.port}`, { settings: { initialWindowSize: 1024 } });
  const stream = session.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/json', 'x-switchyard-token': await keys.mint(), 'x-test': 'slow-tail' });
  const replicaWrote = new Promise<void>((r) => (wroteHead = r));
  stream.end('{"model":"demo-llm","messages":[]}');
  stream.pause();
  // Counted from the replica's first bytes, not from sending: on a loaded machine the request can
  // take a while to reach the replica.
  await replicaWrote;
  await new Promise((r) => setTimeout(r, PAUSE_MS));
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (c: string) => (body += c));
  const ended = await new Promise<boolean>((resolve) => {
    stream.on('end', () => resolve(true));
    stream.on('close', () => resolve(false));
    setTimeout(() => resolve(false), TAIL_MS + 5_000); // a cut h2 answer may not even close
    stream.resume();
  });
  session.close();
  expect([ended, body.endsWith('tail')]).toEqual([true, true]);
  expect(proxy.runtime.outliers.isEjected(APP, url, Date.now())).toBe(false);
}, 20_000);

it('three clients that stop reading a 32 MiB answer eject no replica; a replica gone silent is still cut', async () => {
  const stalled = await Promise.all([0, 1, 2].map(async () => stallAfterFirstBytes(await keys.mint())));
  await new Promise((r) => setTimeout(r, 2 * IDLE_MS));
  // Was ejected: each pause was recorded as the replica's idle timeout.
  expect(proxy.runtime.outliers.isEjected(APP, url, Date.now())).toBe(false);
  for (const s of stalled) s.destroy();

  // The timer still does its job for a replica that stops sending on its own.
  silentAfterHead = true;
  const res = await fetch(`http://127.0.0.1:${proxy.port}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': await keys.mint() }, body: '{"model":"demo-llm","messages":[]}' });
  expect(res.status).toBe(200);
  await expect(res.arrayBuffer()).rejects.toThrow();
  expect(proxy.runtime.outliers.isEjected(APP, url, Date.now())).toBe(true);
}, 20_000);

