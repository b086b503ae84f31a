import https from 'node:https';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy, testKeys } from './harness.ts';
import { selfSignedCert } from './self-signed-cert.ts';

describe('TLS listener negotiates h2 or http/1.1 with ALPN on one port', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  let ca: Buffer;
  beforeAll(async () => {
    keys = await testKeys();
    const tls = await selfSignedCert();
    ca = tls.ca;
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { tlsCertFile: tls.certFile, tlsKeyFile: tls.keyFile },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('speaks HTTP/2 to an h2 client', async () => {
    const token = await keys.mint();
    const status = await new Promise<{
      status: number;
      cluster: unknown;
      alpn: string | false | undefined;
    }>((resolve, reject) => {
      const session = http2.connect(proxy.url, { ca });
      session.on('error', reject);
      const s = session.request({ ':path': `/v4/${APP}/v1/models`, 'x-switchyard-token': token });
      s.on('response', (h) => {
        const alpn = session.alpnProtocol;
        s.resume();
        s.on(
          'end',
          () => (
            session.close(),
            resolve({ status: Number(h[':status']), cluster: h['x-switchyard-cluster'], alpn })
          ),
        );
      });
      s.on('error', reject);
    });
    expect(status).toEqual({ status: 200, cluster: 'c1', alpn: 'h2' });
  });

  it('speaks HTTP/1.1 to an https client', async () => {
    const r = await new Promise<{ status: number; version: string }>((resolve, reject) => {
      const req = https.request(
        `${proxy.url}/v4/${APP}/v1/models`,
        { ca, headers: { 'x-switchyard-token': '' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.httpVersion }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    // Empty token → refused by the gate, but over HTTP/1.1 through the TLS listener.
    expect(r).toEqual({ status: 401, version: '1.1' });
  });

  it('opens a WebSocket over TLS h2 with extended CONNECT (RFC 8441)', async () => {
    const token = await keys.mint();
    const session = http2.connect(proxy.url, { ca });
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
    expect(session.remoteSettings.enableConnectProtocol).toBe(true);
    const s = session.request({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':path': `/v4/${APP}/v1/ws`,
      'sec-websocket-version': '13',
      'x-switchyard-token': token,
    });
    const status = await new Promise<number>((resolve, reject) => {
      s.once('response', (h) => resolve(Number(h[':status'])));
      s.once('error', reject);
    });
    s.close();
    session.close();
    expect(status).toBe(200);
  });

  it('refuses an HTTP/1.1 CONNECT on the TLS listener with 405', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(proxy.url, { ca, method: 'CONNECT', path: '127.0.0.1:1' });
      req.on('connect', (res, socket) => (socket.destroy(), resolve(res.statusCode ?? 0)));
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(405);
  });
});
