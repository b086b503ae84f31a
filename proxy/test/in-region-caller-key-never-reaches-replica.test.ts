/**
 * In-region credentials stop at the proxy: even for an app that forwards `Authorization` to its
 * replicas (edge path), the in-region caller's header holds a Switchyard key and is never
 * forwarded. An app that explicitly disables auth takes in-region callers without a key.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const seen: IncomingHttpHeaders[] = [];
let upstream: Server;
let f: InRegionFixture;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  f = await startInRegionFixture(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, { forwardAuthorization: true });
});
afterAll(async () => {
  await f.close();
  await new Promise((r) => upstream.close(r));
});

const post = (app: string, headers: Record<string, string>): Promise<Response> =>
  fetch(`${f.proxy.url}/v4/acme/${app}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

it('never forwards the caller\'s key, though the app forwards Authorization on the edge path', async () => {
  const key = await f.serviceKey('acme/chat');
  const res = await post('chat', { authorization: `Bearer ${key}`, cookie: 'session=1' });
  expect(res.status, await res.clone().text()).toBe(200);
  await res.text();
  const last = seen.at(-1);
  expect(last?.authorization).toBeUndefined();
  expect(last?.cookie).toBeUndefined();
});

it('admits a keyless caller only to an app that disables auth', async () => {
  const open = await post('open', {});
  expect(open.status).toBe(200);
  await open.text();
  const closed = await post('chat', {});
  expect(closed.status).toBe(401);
  expect(((await closed.json()) as { error: { code: string } }).error.code).toBe('missing-key');
});
