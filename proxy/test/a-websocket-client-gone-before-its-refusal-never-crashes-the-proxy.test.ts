/**
 * Node's HTTP server takes its error handler off a socket when it hands it to 'upgrade', so an
 * upgrade's socket has none while its token is checked and its admission decided (async: the
 * signature check runs on libuv's pool, a worker asks its primary for the app's limits). A client
 * that resets the connection in that window, or half-closes it so the refusal is written after the
 * end, raised an unhandled 'error' and the whole proxy process exited — every stream and WebSocket
 * of every tenant on it cut by one client's connection (seen in the proxy-workers run of
 * websocket-client-gone-during-admission-frees-its-slot: ERR_STREAM_WRITE_AFTER_END from
 * refuseUpgrade). A gone client must cost nothing but its own connection.
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, servingPids, startReplica, startTestProxy, testKeys } from './harness.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a WebSocket client gone before its refusal is written never crashes the proxy', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 500 });
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], apps: [{ id: APP, maxConcurrency: 2 }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  const upgrade = (token: string): string =>
    `GET /v4/${APP}/v1/ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n` +
    `sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nx-switchyard-token: ${token}\r\n\r\n`;

  /** Sends the upgrade and leaves at once: a FIN right behind it, or a reset. */
  async function sendAndLeave(token: string, how: 'end' | 'reset'): Promise<void> {
    const u = new URL(proxy.url);
    const sock = net.connect(Number(u.port), u.hostname);
    sock.on('error', () => undefined);
    await once(sock, 'connect');
    if (how === 'end') sock.end(upgrade(token));
    else {
      sock.write(upgrade(token));
      // After the request is on the wire: the proxy is checking the token when the RST lands.
      await sleep(1);
      sock.resetAndDestroy();
    }
  }

  it.each(['end', 'reset'] as const)('forged, expired and valid tokens, the client leaving by %s, 30 times: the proxy keeps serving', async (how) => {
    const pids = await servingPids(proxy);
    for (let i = 0; i < 10; i++) {
      const [forged, expired, valid] = await Promise.all([keys.forge(), keys.mint({ now: Date.now() - 3_600_000 }), keys.mint({ fn: 'v1/ws' })]);
      await Promise.all([sendAndLeave(forged, how), sendAndLeave(expired, how), sendAndLeave(valid, how)]);
    }
    await sleep(300);
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ max_tokens: 2 }),
      headers: { 'x-switchyard-token': await keys.mint(), connection: 'close' },
    });
    expect(r.status).toBe(200);
    // No process died and was replaced (with workers: the primary restarts a crashed one).
    expect(await servingPids(proxy)).toEqual(pids);
  });
});
