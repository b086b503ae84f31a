/**
 * A WebSocket client that goes away while its token is being checked (an h2 extended CONNECT
 * reset at once, an HTTP/1.1 upgrade whose socket closes) must give back its concurrency slot:
 * the slot is released on the stream's/socket's 'close', which may already have fired by the
 * time admission ends. Before the fix, a few such clients used up an app's concurrency limit
 * for good and every later request of that tenant got 429.
 */
import http2, { type ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy, testKeys } from './harness.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a WebSocket client gone during admission frees its concurrency slot', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  let session: ClientHttp2Session;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 500 });
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], apps: [{ id: APP, maxConcurrency: 2 }], jwks: keys.jwks });
    session = http2.connect(proxy.url);
    await once(session, 'remoteSettings');
  });
  afterAll(async () => {
    session.close();
    await proxy.close();
    await sim.close();
  });

  it('h2 CONNECT streams reset at once, then HTTP/1.1 upgrades closed at once, still leave room', async () => {
    const token = await keys.mint({ fn: 'v1/ws' });
    for (let i = 0; i < 4; i++) {
      const s = session.request({ ':method': 'CONNECT', ':path': `/v4/${APP}/v1/ws`, ':protocol': 'websocket', 'sec-websocket-version': '13', 'x-switchyard-token': token });
      s.on('error', () => undefined);
      s.close(http2.constants.NGHTTP2_CANCEL);
    }
    const u = new URL(proxy.url);
    for (let i = 0; i < 4; i++) {
      const sock = net.connect(Number(u.port), u.hostname);
      sock.on('error', () => undefined);
      await once(sock, 'connect');
      sock.end(
        `GET /v4/${APP}/v1/ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n` +
          `sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nx-switchyard-token: ${token}\r\n\r\n`,
      );
      sock.destroy();
    }
    // The gone clients' admissions end when they end, later on a loaded machine: ask until one is
    // admitted rather than once after a fixed pause. A leaked slot is leaked for good, so every
    // ask until the deadline gets 429.
    const statuses: unknown[] = [];
    const deadline = Date.now() + 15_000;
    while (statuses.at(-1) !== 200 && Date.now() < deadline) {
      if (statuses.length > 0) await sleep(100);
      const s = session.request({ ':method': 'CONNECT', ':path': `/v4/${APP}/v1/ws`, ':protocol': 'websocket', 'sec-websocket-version': '13', 'x-switchyard-token': token });
      const [head] = (await once(s, 'response')) as [http2.IncomingHttpHeaders];
      statuses.push(head[':status']);
      s.close();
    }
    expect(statuses.at(-1), `${statuses.length} asks, answered ${[...new Set(statuses)].join(' or ')}`).toBe(200);
  });
});
