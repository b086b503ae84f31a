/**
 * A request refused before forwarding (here: a bad token) whose body is large or of unknown
 * length is answered at once and its connection closed (HTTP/1.1 `Connection: close`; HTTP/2
 * RST_STREAM NO_ERROR): the proxy never drains an endless body. A small declared body is read
 * and dropped, so that keep-alive connection stays usable.
 */
import { connect as h2connect } from 'node:http2';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('refused request bodies are not read forever', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  beforeAll(async () => {
    const keys = await testKeys();
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('HTTP/1.1: an endless chunked body on a refused request gets 401 and a closed connection', async () => {
    const socket = connect(proxy.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.on('error', () => undefined);
    socket.write(`POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: p\r\nx-switchyard-token: forged\r\ntransfer-encoding: chunked\r\n\r\n`);
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (response += d));
    let sent = 0;
    const drip = setInterval(() => {
      const chunk = 'x'.repeat(16 * 1024);
      sent += chunk.length;
      socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    }, 5);
    const started = performance.now();
    await new Promise<void>((r) => socket.once('close', () => r()));
    clearInterval(drip);
    expect(response).toMatch(/^HTTP\/1\.1 401/);
    expect(response.toLowerCase()).toContain('connection: close');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('HTTP/1.1: a small refused body is drained and the connection reused', async () => {
    const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: '{"x":1}', headers: { 'x-switchyard-token': 'forged' } });
    expect(r.status).toBe(401);
    expect(r.headers['connection']).not.toBe('close');
  });

  it('HTTP/2: the refused stream is answered and reset, the session stays up', async () => {
    const session = h2connect(proxy.url);
    const stream = session.request({ ':method': 'POST', ':path': `/v4/${APP}/v1/chat/completions`, 'x-switchyard-token': 'forged' });
    stream.on('error', () => undefined);
    const status = await new Promise<number>((r) => stream.once('response', (h) => r(Number(h[':status']))));
    stream.write(Buffer.alloc(32 * 1024));
    await new Promise<void>((r) => stream.once('close', () => r()));
    expect(status).toBe(401);
    expect(session.closed || session.destroyed).toBe(false);
    session.close();
  });
});
