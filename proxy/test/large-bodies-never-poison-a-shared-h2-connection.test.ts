/**
 * One app's large request bodies never break another app's requests on a shared HTTP/2
 * connection. A body the proxy holds whole (managed streams, token budgets, inference-aware
 * prompts) was written to the stream in one piece; it waited in the session's outbound queue, and
 * past Node's `maxSessionMemory` (10 MB) every new stream on that connection was reset
 * (NGHTTP2_ENHANCE_YOUR_CALM): two 6 MiB prompts to a replica that read slowly made the next
 * requests of any app on the same replica fail as `upstream-reset` blamed on the replica (audit
 * s24). Bodies now go out in pieces as the stream drains, so the queue holds a few of them.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callH2Upstream } from '../src/h2-upstream-call.ts';
import { H2UpstreamPool } from '../src/h2-upstream-pool.ts';
import { UpstreamAbort } from '../src/upstream-abort.ts';

let server: http2.Http2Server;
let origin: string;
let pool: H2UpstreamPool;
/** A server with Node's default settings (no stream limit worth the name), reading as slowly. */
let open: http2.Http2Server;
let openOrigin: string;

beforeAll(async () => {
  // Reads `/v1/big` bodies only after 2 s (a slow reader, or 64 KiB windows over a long RTT).
  server = http2.createServer({ settings: { maxConcurrentStreams: 100 } });
  server.on('stream', (s, h) => {
    s.on('error', () => undefined);
    if (h[':path'] === '/v1/big') {
      s.pause();
      setTimeout(() => {
        s.resume();
        s.on('end', () => {
          s.respond({ ':status': 200 });
          s.end('big-ok');
        });
      }, 2_000);
      return;
    }
    s.resume();
    s.respond({ ':status': 200 });
    s.end('small-ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  open = http2.createServer();
  open.on('stream', (s, h) => server.emit('stream', s, h));
  await new Promise<void>((r) => open.listen(0, '127.0.0.1', r));
  openOrigin = `http://127.0.0.1:${(open.address() as AddressInfo).port}`;
  pool = new H2UpstreamPool(2_000, 30_000);
});
afterAll(async () => {
  pool.close?.();
  await new Promise((r) => server.close(r));
  await new Promise((r) => open.close(r));
});

const call = (path: string, body: Buffer, to = origin) =>
  callH2Upstream(pool, { origin: to, path, method: 'POST', headers: { 'content-type': 'application/json' }, body, headersTimeout: 10_000 }, new UpstreamAbort());

async function text(up: Awaited<ReturnType<typeof call>>): Promise<string> {
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    up.pipe({ data: (c: Buffer) => (chunks.push(c), true), end: () => resolve(), error: reject });
  });
  return Buffer.concat(chunks).toString();
}

it("another app's small requests on the same connection are answered while two 6 MiB bodies wait", async () => {
  const big = [call('/v1/big', Buffer.alloc(6 << 20, 32)), call('/v1/big', Buffer.alloc(6 << 20, 32))];
  await new Promise((r) => setTimeout(r, 200));
  const small: string[] = [];
  for (let i = 0; i < 3; i++) {
    const up = await call('/v1/small', Buffer.from('{}')).catch((e: Error) => e);
    small.push(up instanceof Error ? `${up.message}` : `${up.statusCode} ${await text(up)}`);
  }
  // Were upstream resets ("HTTP/2 stream closed before its end" / NGHTTP2_ENHANCE_YOUR_CALM).
  expect(small).toEqual(['200 small-ok', '200 small-ok', '200 small-ok']);
  const answers = await Promise.all(big.map(async (p) => text(await p)));
  expect(answers).toEqual(['big-ok', 'big-ok']);
}, 20_000);

// Found in review: one piece per stream still adds up. 700 such bodies on one connection to a
// server that allows any number of streams passed its session memory again; a connection now
// carries at most LOCAL_MAX_STREAMS of them, with room in its session memory for that many.
it('700 waiting bodies of 70 KB to a server that allows any number of streams leave room for another request', async () => {
  const waiting = Array.from({ length: 700 }, () => call('/v1/big', Buffer.alloc(70_000, 32), openOrigin));
  await new Promise((r) => setTimeout(r, 300));
  const up = await call('/v1/small', Buffer.from('{}'), openOrigin).catch((e: Error) => e);
  expect(up instanceof Error ? up.message : `${up.statusCode} ${await text(up)}`).toBe('200 small-ok');
  const answers = await Promise.all(waiting.map(async (p) => text(await p)));
  expect(answers.every((a) => a === 'big-ok')).toBe(true);
}, 30_000);
