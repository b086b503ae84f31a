/**
 * What Node's HTTP/1 server lets through or answers bare, answered as RFC 9112 and the README say,
 * with the proxy's JSON refusal, counted, and never forwarded: two Host headers (Node kept the
 * first and the request was served), no Host in HTTP/1.1 (Node's empty 400), a request line
 * naming HTTP/2.0 (served as 1.1), and CONNECT on the cleartext port (the socket closed without a
 * byte; the TLS listener already answered 405). HTTP/1.0 without Host is still served.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { scrapeMetrics, startTestProxy } from './harness.ts';

/** Writes `head` on a new connection; everything read until the proxy closes it (or 3 s pass). */
function exchange(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.write(head));
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (got += d));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => socket.destroy(), 3_000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

describe('HTTP/1 heads that Node lets through get the proxy’s answer', () => {
  let replica: EchoReplica;
  let proxy: RunningProxy;
  beforeAll(async () => {
    replica = await startEchoReplica();
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: replica.url }] });
  });
  afterAll(async () => {
    await proxy.close();
    await replica.close();
  });

  const path = '/v4/acme/chat/v1/models';
  it.each([
    ['two Host headers', `GET ${path}?two HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n`, 400, 'malformed-request', /2 Host headers/],
    ['no Host in HTTP/1.1', `GET ${path}?none HTTP/1.1\r\n\r\n`, 400, 'malformed-request', /needs a Host header/],
    ['a request line naming HTTP/2.0', `GET ${path}?v2 HTTP/2.0\r\nHost: a.example\r\n\r\n`, 505, 'http-version-not-supported', /HTTP\/2\.0/],
    ['two Host headers on a WebSocket upgrade', `GET ${path}?ws HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, 400, 'malformed-request', /2 Host headers/],
  ])('%s: refused with its code, not forwarded', async (_name, head, status, code, message) => {
    const answer = await exchange(proxy.url, head);
    expect(answer.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${status === 505 ? 'HTTP Version Not Supported' : 'Bad Request'}`);
    const error = (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(replica.received.filter((r) => /\?(two|none|v2|ws)$/.test(r.rawUrl))).toEqual([]);
    expect(await scrapeMetrics(proxy)).toMatch(new RegExp(`switchyard_proxy_refusals_total\\{[^}]*code="${code}"[^}]*\\} [1-9]`));
  });

  it('CONNECT on the cleartext port is answered 405', async () => {
    const answer = await exchange(proxy.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 405 Method Not Allowed');
  });

  it('HTTP/1.0 without Host is served', async () => {
    const answer = await exchange(proxy.url, `GET ${path}?http10 HTTP/1.0\r\n\r\n`);
    expect(answer.split('\r\n')[0]).toMatch(/^HTTP\/1\.[01] 200 OK$/);
    expect(replica.received.at(-1)?.rawUrl).toBe('/v1/models?http10');
  });
});
