/**
 * A realtime (WebSocket) app's failed upgrades reach the edge's snapshot like an HTTP app's failed
 * requests. Before, a handshake attempt that failed (the replica answered the upgrade 5xx, or
 * refused the connection: the same path, `failedAttemptPlace`'s table in errors.test.ts) was counted in metrics and fed the proxy's own outlier detector, but
 * no outcome row was written: the edge's failure-risk term, the rollout gate and `switchyard
 * explain` never saw a realtime app's gray-failing cluster, only its successful sessions (and
 * those only when they ended, possibly hours later). Now each failed attempt is one row at its
 * replica, by the rule HTTP uses (`failedAttemptPlace`): the replica's own answer with its
 * status, no answer with status 0; the session the retry opened is recorded as before.
 *
 * Real sockets, a real libSQL file written by the proxy's own reporter.
 */
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { migrate } from '../../control/store/migrate.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startTestProxy, waitFor } from './harness.ts';

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("a realtime app's failed upgrades", () => {
  let failing: Server;
  let good: Server;
  let wss: WebSocketServer;
  let failingUrl: string;
  let db: Client;
  let proxy: RunningProxy;

  beforeAll(async () => {
    // Answers every upgrade 503, as an engine behind a failing gateway does.
    failing = createServer((_req, res) => res.end('{}'));
    failing.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'));
    failingUrl = await listen(failing);
    good = createServer((_req, res) => res.end('{}'));
    wss = new WebSocketServer({ noServer: true });
    good.on('upgrade', (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => ws.on('message', (d: Buffer) => ws.send(d))));
    const goodUrl = await listen(good);
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-ws-failed-'));
    db = createClient({ url: `file:${join(dir, 'sy.db')}`, timeout: 5_000 });
    await migrate(db);
    proxy = await startTestProxy({
      endpoints: [failingUrl, goodUrl].map((url) => ({ cluster: 'c1', url })),
      // Never ejected: every connection may try the failing replicas again.
      config: { storeUrl: `file:${join(dir, 'sy.db')}`, reportIntervalMs: 50, outcomeBatchSize: 1, outlierConsecutiveFailures: 1000, circuitFailureThreshold: 1000 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    db.close();
    wss.close();
    for (const s of [failing, good]) {
      s.closeAllConnections();
      s.close();
    }
  });

  const rows = async (where: string): Promise<Record<string, unknown>[]> =>
    (await db.execute(`SELECT cluster_id, endpoint, status, app_id, error FROM outcomes WHERE ${where}`)).rows as unknown as Record<string, unknown>[];

  it('records each failed attempt at its replica, while the retry opens the session', async () => {
    // Replicas are picked by load, not in order: open sessions until the failing one was tried.
    for (let i = 0; i < 20; i++) {
      const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/realtime`);
      await once(ws, 'open');
      ws.close();
      await once(ws, 'close');
      const tried = await rows(`status != 101`);
      if (tried.some((r) => r['endpoint'] === failingUrl)) break;
    }
    await waitFor(async () => (await rows(`endpoint = '${failingUrl}'`)).length > 0, "the failing replica's outcome row");
    const answered = await rows(`endpoint = '${failingUrl}'`);
    for (const r of answered) expect(r).toMatchObject({ cluster_id: 'c1', status: 503, app_id: APP });
    // Every session opened (the retries), and each is recorded as before.
    await waitFor(async () => (await rows('status = 101')).length > 0, 'the sessions');
  });
});
