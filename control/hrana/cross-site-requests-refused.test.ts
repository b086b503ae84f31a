import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isLocalHostHeader } from './same-site.ts';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

/** A raw POST, so the test controls Host and every other header exactly as a browser would send them. */
function post(headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  const url = new URL(`${server.url}/v2/pipeline`);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { host: url.host, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const attach = (file: string): string =>
  JSON.stringify({ requests: [{ type: 'execute', stmt: { sql: `ATTACH DATABASE '${file}' AS pwned` } }, { type: 'close' }] });

// Issue 11 #6: any web page open while `npm start` runs could POST a pipeline as text/plain (no
// preflight needed) and run arbitrary SQL; ATTACH even creates files.
describe('the local libSQL endpoint refuses what a web page can send', () => {
  test.each([
    ['text/plain (a no-preflight cross-site POST)', { 'content-type': 'text/plain' }, 415],
    ['no content type', {}, 415],
    ['form encoding', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
    ['JSON from a web page (Origin)', { 'content-type': 'application/json', origin: 'https://evil.example' }, 403],
    ['JSON via a DNS-rebinding name', { 'content-type': 'application/json', host: 'rebind.evil.example:8080' }, 403],
  ])('%s → %i, and no SQL runs', async (_name, headers, status) => {
    const file = join(dirname(server.dbPath), `pwned-${status}-${Math.random().toString(36).slice(2)}.db`);
    const res = await post(headers, attach(file));
    expect(res.status).toBe(status);
    expect(existsSync(file)).toBe(false);
  });

  test('real clients (JSON, no Origin, loopback Host) keep working', async () => {
    const c = createClient({ url: server.url });
    expect((await c.execute('SELECT 1 AS one')).rows[0]?.['one']).toBe(1);
    c.close();
    const viaLocalhost = await post({ 'content-type': 'application/json; charset=utf-8', host: `localhost:${new URL(server.url).port}` }, JSON.stringify({ requests: [{ type: 'close' }] }));
    expect(viaLocalhost.status).toBe(200);
  });

  test.each([
    ['127.0.0.1:8080', true],
    ['localhost', true],
    ['[::1]:8080', true],
    ['10.0.0.5:80', true],
    ['evil.example', false],
    ['127.0.0.1.nip.io:8080', false],
    ['', false],
  ])('Host %j local: %s', (host, ok) => {
    expect(isLocalHostHeader(host)).toBe(ok);
  });
});
