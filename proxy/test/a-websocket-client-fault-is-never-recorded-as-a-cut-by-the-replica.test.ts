/**
 * A client's fault on a WebSocket is never recorded as the replica's. A client that sent a
 * message over the app's limit (or a malformed frame) made the proxy cut the replica's side
 * (`terminate`); that side's close (1006) came before the client's own close handshake ended, and
 * the outcome said `upstream-abnormal-close`: a cut answer by the replica, which the rollout gate
 * counts against a canary (control/rollout/gate-stats.ts) and the trace marks as the replica's
 * error. Any client of an app could so make its canary look broken. The outcome now says the
 * client ended it (`client-closed`, shared/http/client-ended.ts).
 */
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { migrate } from '../../control/store/migrate.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startTestProxy, waitFor } from './harness.ts';

const LIMIT = 1024;

let upstream: Server;
let wss: WebSocketServer;
let db: Client;
let proxy: RunningProxy;

beforeAll(async () => {
  upstream = createServer((_req, res) => res.end('{}'));
  wss = new WebSocketServer({ noServer: true });
  upstream.on('upgrade', (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => ws.on('message', (data: Buffer) => ws.send(data))));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as { port: number };
  const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-ws-fault-'));
  db = createClient({ url: `file:${join(dir, 'sy.db')}`, timeout: 5_000 });
  await migrate(db);
  proxy = await startTestProxy({
    endpoints: [{ cluster: 'c1', url: `http://127.0.0.1:${port}` }],
    apps: [{ id: APP, requests: { maxBodyBytes: LIMIT } }],
    config: { storeUrl: `file:${join(dir, 'sy.db')}`, reportIntervalMs: 50, outcomeBatchSize: 1 },
  });
});
afterAll(async () => {
  await proxy.close();
  db.close();
  wss.close();
  upstream.closeAllConnections();
  upstream.close();
});

it("a client's oversized message ends its socket as the client's doing, not a cut by the replica", async () => {
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws`);
  await once(ws, 'open');
  ws.send('z'.repeat(LIMIT * 4));
  const [code] = (await once(ws, 'close')) as [number];
  expect(code).toBe(1009);
  await waitFor(async () => (await db.execute('SELECT * FROM outcomes WHERE status = 101')).rows.length === 1, 'the WebSocket outcome row');
  const row = (await db.execute('SELECT error FROM outcomes WHERE status = 101')).rows[0];
  expect(row?.['error']).toBe('client-closed');
});
