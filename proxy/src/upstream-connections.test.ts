import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { DEFAULT_CONFIG } from './config.ts';
import { classifyUpstreamError } from './errors.ts';
import { upstreamConnector } from './upstream-connections.ts';
import { upstreamAgent } from './upstream-router.ts';

function connectOnce(port: number): Promise<{ err: Error | null; socket: net.Socket | null }> {
  const connect = upstreamConnector({ timeoutMs: 2_000, allowH2: false });
  return new Promise((resolve) => {
    connect({ hostname: '127.0.0.1', protocol: 'http:', port: String(port) }, (err, socket) => resolve({ err, socket }));
  });
}

describe('upstream connections (HTTP/1.1 replicas)', () => {
  const peers: string[] = [];
  const server = http.createServer((req, res) => {
    peers.push(`${req.socket.remotePort}`);
    res.end('ok');
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('a connected replica socket keeps no listener or timer of its connect (a held stream keeps it for hours)', async () => {
    const { err, socket } = await connectOnce(port);
    expect(err).toBeNull();
    expect(socket?.listenerCount('error')).toBe(0);
    expect(socket?.listenerCount('connect')).toBe(0);
    socket?.destroy();
  });

  it('a refused connect fails as the replica being unreachable, before anything was sent', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const gone = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const { err, socket } = await connectOnce(gone);
    expect(socket).toBeNull();
    expect(classifyUpstreamError(err)).toMatchObject({ code: 'upstream-unreachable', blame: 'replica', beforeSend: true, status: 503 });
  });

  it('the Agent reuses an idle replica connection, and opens another for a concurrent request', async () => {
    const agent = upstreamAgent({ ...DEFAULT_CONFIG, id: 'test' }, false);
    const origin = `http://127.0.0.1:${port}`;
    const get = async (): Promise<string> => (await request(origin, { dispatcher: agent })).body.text();
    peers.length = 0;
    for (let i = 0; i < 3; i += 1) {
      await get();
      await new Promise((r) => setTimeout(r, 20)); // the connection's drain runs after the body
    }
    expect(new Set(peers).size).toBe(1);
    peers.length = 0;
    await Promise.all([get(), get()]);
    expect(new Set(peers).size).toBe(2);
    await agent.close();
  });
});
