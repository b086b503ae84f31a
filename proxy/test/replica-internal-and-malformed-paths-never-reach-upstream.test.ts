/**
 * Only an app's declared functions reach a replica through the proxy (default `v1/*`): the
 * replica's own `_control`, `metrics` and `health` answer 404; non-canonical paths (`//`, `\`,
 * dot segments, encoded `/`, malformed escapes) answer 400 and never reach it. The proxy's own
 * metrics and health are on the admin listener only.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { APP, rawRequest, startTestProxy, testKeys } from './harness.ts';

/** One request with its target exactly as written (a URL object would resolve `..` and `\\`). */
function rawTarget(base: string, target: string, token: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nhost: proxy\r\nx-switchyard-token: ${token}\r\nconnection: close\r\n\r\n`);
  });
}

describe('replica-internal and malformed paths never reach upstream', () => {
  let replica: EchoReplica;
  let proxy: RunningProxy;
  let token: string;
  beforeAll(async () => {
    const keys = await testKeys();
    token = await keys.mint({ fn: '*' });
    replica = await startEchoReplica();
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: replica.url }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await replica.close();
  });

  const get = (path: string): ReturnType<typeof rawRequest> =>
    rawRequest(proxy.url, { method: 'GET', path, headers: { 'x-switchyard-token': token } });
  const upstreamCalls = (): number => replica.received.filter((r) => r.rawUrl !== '/health').length;

  it.each(['_control', 'metrics', 'health', 'v1'])('%s is a 404 even with a token for every function', async (fn) => {
    const r = await get(`/v4/${APP}/${fn}`);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'unknown-function' } });
  });

  it.each([
    `/v4/${APP}//v1/models`,
    `/v4/${APP}/v1/..%2F_control`,
    `/v4/${APP}/v1/%2e%2e/_control`,
    `/v4/${APP}/v1/../_control`,
    `/v4/${APP}/v1\\..\\_control`,
    `/v4/${APP}/v1%2F..%2F_control`,
    '/v4/%zz/a/b',
    `/v4/${APP}/v1/%zz`,
    // A path the edge answers 400 bad-path is one here too: one status for one mistake.
    '/v4',
    '/v4/acme',
    '/v4/acme/',
    `/v4/${APP}`,
  ])('%s is a 400', async (path) => {
    const r = await rawTarget(proxy.url, path, token);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'bad-path' } });
  });

  it('no refused request reached the replica; a declared one does, in canonical form', async () => {
    expect(upstreamCalls()).toBe(0);
    const r = await get(`/v4/${APP}/v1/mod%65ls`);
    expect(r.status).toBe(200);
    expect(replica.received.at(-1)?.rawUrl).toBe('/v1/models');
  });

  it('metrics and health are served on the admin listener, not the traffic port', async () => {
    for (const path of ['/_switchyard/metrics', '/_switchyard/health']) {
      const traffic = await get(path);
      expect(traffic.status).toBe(404);
      // Says where they are (the setting, not the address), not just "not an app path".
      expect((JSON.parse(traffic.body) as { error: { message: string } }).error.message).toMatch(/admin listener.*PROXY_ADMIN_PORT/);
      const admin = await fetch(`${proxy.adminUrl}${path}`);
      expect(admin.status).toBe(200);
      await admin.text();
    }
    expect(new URL(proxy.adminUrl).hostname).toBe('127.0.0.1');
  });
});
