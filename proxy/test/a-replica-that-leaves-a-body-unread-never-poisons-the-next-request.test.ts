/**
 * A replica that refuses an upload at its head (413) without reading the body, and keeps the
 * connection alive (a real server that does not drain, unlike the simulated one): the body's
 * bytes are still on that connection, ahead of whatever the proxy sends on it next. The proxy
 * pooled it and sent the next request behind them; the replica never got to it, and that
 * request (anyone's) failed after the time-to-first-byte budget, counted against the replica.
 * A refused body larger than one read (upstream-call.ts UNREAD_BODY_BYTES) now closes its
 * connection; a small one, which an HTTP server reads with its head or closes, does not.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, rawRequest, scrapeMetrics, startTestProxy, testKeys } from './harness.ts';
import { metricSum } from './proxy-processes.ts';

const PATH = `/v4/${APP}/v1/chat/completions`;

let replica: Server;
let proxy: RunningProxy;
let keys: Awaited<ReturnType<typeof testKeys>>;
const sockets = new Set<Socket>();
let accepted = 0;

/**
 * One request per read of a head: a POST with a body is refused (413, kept alive) and the
 * connection is never read again; anything else gets a 200 and the next head is awaited.
 */
function serve(s: Socket): void {
  accepted += 1;
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
  s.on('error', () => undefined);
  let buf = '';
  const onData = (d: Buffer): void => {
    buf += d.toString('latin1');
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buf.slice(0, end).toLowerCase();
    buf = buf.slice(end + 4);
    const length = /content-length: *(\d+)/.exec(head);
    if (head.startsWith('post ') && length !== null && Number(length[1]) > 0) {
      const body = '{"error":"request entity too large"}';
      s.write(`HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
      s.off('data', onData);
      s.pause();
      return;
    }
    s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: keep-alive\r\n\r\n{"ok":true}');
  };
  s.on('data', onData);
}

// A proxy per case in front of the replica that never reads a refused body; the small-body case
// below brings its own replica and proxy, so it no longer starts this one unused.
describe('a replica that never reads a refused body', () => {
  beforeEach(async () => {
    accepted = 0;
    replica = createServer(serve);
    await new Promise<void>((r) => replica.listen(0, '127.0.0.1', r));
    keys = await testKeys();
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${(replica.address() as AddressInfo).port}` }],
      jwks: keys.jwks,
      // Fresh per case. One failure would open the circuit or eject the replica; a hung request shows in 2 s.
      config: { circuitFailureThreshold: 1, outlierConsecutiveFailures: 1, upstreamHeadersTimeoutMs: 2_000 },
    });
  });
  afterEach(async () => {
    await proxy.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => replica.close(r));
  });

  it.each([
    ['a body bigger than one read, all in the socket buffers before the answer', 256 * 1024],
    ['a body bigger than the socket buffers take at once', 3 * 1024 * 1024],
  ])('%s: the refusal passes on, and the next request gets its answer', async (_what, size) => {
    const base = `http://127.0.0.1:${proxy.port}`;
    const refused = await rawRequest(base, { path: PATH, headers: { 'x-switchyard-token': await keys.mint() }, body: 'a'.repeat(size) });
    expect(refused.status).toBe(413);
    for (let i = 0; i < 3; i++) {
      const next = await rawRequest(base, { method: 'GET', path: `/v4/${APP}/v1/models`, headers: { 'x-switchyard-token': await keys.mint() } });
      expect(next.status).toBe(200);
    }
    // Only the refused upload's connection was closed: the others are kept alive as before (one for
    // the refusal, one for the three answers; one more if they were spread over two worker processes).
    expect(accepted).toBeGreaterThanOrEqual(2);
    expect(accepted).toBeLessThanOrEqual(3);
    const scrape = await scrapeMetrics(proxy);
    expect(scrape).toMatch(/^switchyard_proxy_circuit_open\{cluster="c1"\} 0$/m);
    expect(metricSum(scrape, 'switchyard_proxy_outlier_ejections_total')).toBe(0);
  }, 20_000);
});

it('a replica that reads and refuses small bodies keeps its connection: no socket per refusal', async () => {
  // An HTTP server reads a small body that came with its head (or closes): closing after every
  // refused small POST left a TIME_WAIT socket each, and a tenant's flood of bad requests could
  // use up the proxy's ports to a replica other tenants share.
  const keys = await testKeys();
  let connections = 0;
  const http = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad request"}'));
  });
  http.on('connection', () => (connections += 1));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const via = await startTestProxy({
    endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` }],
    jwks: keys.jwks,
  });
  try {
    const base = `http://127.0.0.1:${via.port}`;
    for (let i = 0; i < 40; i++) {
      const r = await rawRequest(base, { path: PATH, headers: { 'x-switchyard-token': await keys.mint() }, body: '{"model":' });
      expect(r.status).toBe(400);
    }
    // One kept-alive connection (one per worker process with two); was 40, one per refusal.
    expect(connections).toBeLessThanOrEqual(2);
  } finally {
    await via.close();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  }
}, 20_000);
