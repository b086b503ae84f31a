/**
 * Every app answers on the same origin (the edge's host, a proxy's host), and a replica sees its
 * app at `/` (the proxy cuts `/v4/<project>/<app>`), so a replica's `Set-Cookie: sid=…; Path=/`
 * reached the browser scoped to the whole origin: the browser then sent tenant B's session cookie
 * with every request to tenant A's app, and an app with `requests.forwardAuthorization` passed it
 * to A's replica. The proxy scopes what a replica sets to the app's own path (its `Path` below
 * `/v4/<project>/<app>`, never a `Domain`), on plain answers, managed streams and WebSocket
 * handshakes alike. Its other answer headers that act on the whole origin too: a
 * `Service-Worker-Allowed: /` let a service worker it serves control every tenant's pages and
 * requests (now kept below the app's path), `Clear-Site-Data` deleted every cookie and all
 * storage of the origin, other tenants' users' sessions included, and `NEL` + `Report-To` had the
 * browser report every request to the origin (URLs, tokens in queries) to the replica's collector
 * (these, and `Alt-Svc`, are now never passed on).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { RunningProxy } from '../src/proxy.ts';
import { rawRequest, startTestProxy, testKeys } from './harness.ts';

const SET = ['sid=secret; Path=/; Domain=example.com; HttpOnly; Secure; SameSite=Lax', 'pref=dark; path=/settings', 'plain=1'];
/** Headers with an origin-wide effect, as a replica (any tenant's app) may send them. */
const ORIGIN_WIDE = {
  'service-worker-allowed': '/../../',
  'clear-site-data': '"cookies", "storage"',
  nel: '{"report_to":"t","max_age":31536000,"success_fraction":1.0}',
  'report-to': '{"group":"t","max_age":31536000,"endpoints":[{"url":"https://collector.invalid/r"}]}',
  'alt-svc': 'h2=":8443"; ma=86400',
  'accept-ch': 'Sec-CH-UA-Model, Sec-CH-UA-Full-Version-List',
  'critical-ch': 'Sec-CH-UA-Model',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
};

describe("a replica's cookies stay on its own app's path", () => {
  let replica: Server;
  let wss: WebSocketServer;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    replica = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const sse = req.url?.startsWith('/v1/chat') === true;
        res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/json', 'set-cookie': SET, ...ORIGIN_WIDE });
        res.end(sse ? 'data: {"choices":[{"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n' : '{}');
      });
    });
    wss = new WebSocketServer({ server: replica });
    wss.on('headers', (headers) => headers.push(...SET.map((c) => `Set-Cookie: ${c}`), ...Object.entries(ORIGIN_WIDE).map(([k, v]) => `${k}: ${v}`)));
    await new Promise<void>((resolve) => replica.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(replica.address() as AddressInfo).port}`;
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', app: 'tenant-b/ui', url },
        { cluster: 'c1', app: 'tenant-b/chat', url },
      ],
      apps: [{ id: 'tenant-b/chat', requests: { streams: { heartbeats: true, heartbeatIntervalMs: 5_000 } } }],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    wss.close();
    await new Promise<void>((resolve) => replica.close(() => resolve()));
  });

  const scoped = (app: string): string[] => [
    `sid=secret; HttpOnly; Secure; SameSite=Lax; Path=/v4/${app}/`,
    `pref=dark; Path=/v4/${app}/settings`,
    'plain=1',
  ];

  /** A service worker's scope stays inside the app; the origin is never cleared. */
  const expectAppWide = (headers: Record<string, string | string[] | undefined>, app: string): void => {
    expect(headers['service-worker-allowed']).toBe(`/v4/${app}/`);
    for (const name of Object.keys(ORIGIN_WIDE).filter((n) => n !== 'service-worker-allowed')) expect(headers[name]).toBeUndefined();
  };

  it('a plain answer', async () => {
    const r = await rawRequest(proxy.url, {
      method: 'GET',
      path: '/v4/tenant-b/ui/v1/page',
      headers: { 'x-switchyard-token': await keys.mint({ app: 'tenant-b/ui' }) },
    });
    expect(r.status).toBe(200);
    expect(r.headers['set-cookie']).toEqual(scoped('tenant-b/ui'));
    expectAppWide(r.headers, 'tenant-b/ui');
  });

  it('a managed stream', async () => {
    const r = await rawRequest(proxy.url, {
      path: '/v4/tenant-b/chat/v1/chat/completions',
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      headers: { 'x-switchyard-token': await keys.mint({ app: 'tenant-b/chat' }) },
    });
    expect(r.status).toBe(200);
    expect(r.headers['set-cookie']).toEqual(scoped('tenant-b/chat'));
    expectAppWide(r.headers, 'tenant-b/chat');
  });

  it('a WebSocket handshake', async () => {
    const token = await keys.mint({ app: 'tenant-b/ui' });
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/tenant-b/ui/v1/ws?sy_token=${token}`);
    const [res] = (await once(ws, 'upgrade')) as [{ headers: Record<string, string | string[] | undefined> }];
    expect(res.headers['set-cookie']).toEqual(scoped('tenant-b/ui'));
    expectAppWide(res.headers, 'tenant-b/ui');
    ws.terminate();
  });

  // Each cookie, not only the last: the HTTP/2 answer kept one value per header name.
  it('a WebSocket over HTTP/2 (extended CONNECT)', async () => {
    const session = http2.connect(proxy.url);
    try {
      await once(session, 'remoteSettings');
      const stream = session.request({
        ':method': 'CONNECT',
        ':protocol': 'websocket',
        ':path': '/v4/tenant-b/ui/v1/ws',
        'sec-websocket-version': '13',
        'x-switchyard-token': await keys.mint({ app: 'tenant-b/ui' }),
      });
      const [head] = (await once(stream, 'response')) as [Record<string, string | string[] | undefined>];
      expect(head[':status']).toBe(200);
      expect(head['set-cookie']).toEqual(scoped('tenant-b/ui'));
      expectAppWide(head, 'tenant-b/ui');
      stream.close();
    } finally {
      session.close();
    }
  });
});
