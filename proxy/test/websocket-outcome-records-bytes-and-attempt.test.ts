/**
 * Issue 11 item 15 (proxy part): a WebSocket's outcome row in libSQL carries the real bytes
 * relayed each way and the attempt that opened it (here the second: the token's cluster is
 * down, its fallback serves), not zeros. The subprotocol the replica chose reaches the client.
 */
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy, testKeys, waitFor } from './harness.ts';

describe('a WebSocket outcome records real bytes and the attempt number', () => {
  let dead: SimCluster;
  let live: SimCluster;
  let db: Client;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    dead = await startReplica('c1', 'r0');
    await dead.close();
    live = await startReplica('c2', 'r0', { tokensPerSecond: 1000 });
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-ws-'));
    // Worker processes write the file too: wait for their lock rather than fail (SQLITE_BUSY).
    db = createClient({ url: `file:${join(dir, 'sy.db')}`, timeout: 5_000 });
    await migrate(db);
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: dead.url },
        { cluster: 'c2', url: live.url },
      ],
      jwks: keys.jwks,
      config: { storeUrl: `file:${join(dir, 'sy.db')}`, reportIntervalMs: 50, outcomeBatchSize: 1 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    db.close();
    await live.close();
  });

  it('writes bytes in/out and attempt 1 for a socket opened on the fallback', async () => {
    const token = await keys.mint({ cluster: 'c1', fallbacks: ['c2'] });
    const ws = new WebSocket(
      `${proxy.url.replace('http', 'ws')}/v4/${APP}/v1/ws?sy_token=${token}`,
    );
    await once(ws, 'open');
    const prompt = JSON.stringify({ id: 'x', prompt: 'hello there', max_tokens: 4 });
    let received = 0;
    const done = new Promise<void>((resolve) =>
      ws.on('message', (data: Buffer) => {
        received += data.length;
        if (String(data).includes('"done"')) resolve();
      }),
    );
    ws.send(prompt);
    await done;
    ws.close(1000);
    await once(ws, 'close');
    await waitFor(async () => {
      const rs = await db.execute('SELECT * FROM outcomes WHERE status = 101');
      return rs.rows.length === 1;
    }, 'the WebSocket outcome row');
    const row = (await db.execute('SELECT * FROM outcomes WHERE status = 101')).rows[0];
    expect(row).toMatchObject({
      cluster_id: 'c2',
      app_id: APP,
      attempt: 1,
      bytes_in: Buffer.byteLength(prompt),
      bytes_out: received,
    });
    expect(Number(row?.['ttfb_ms'])).toBeGreaterThanOrEqual(0);
  });
});
