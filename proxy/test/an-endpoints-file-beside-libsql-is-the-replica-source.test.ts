/**
 * `--endpoints-file` says "static endpoints instead of the store" (`switchyard proxy --help`): a
 * proxy given both a libSQL URL and an endpoints file serves the file's replicas, and libSQL still
 * gets what only it can hold (outcomes). Before, the store silently won and the file was ignored:
 * the request below went to the store's replica.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import { sampleApp } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, waitFor } from './harness.ts';

let fromFile: SimCluster;
let fromStore: SimCluster;
let db: Client;
let proxy: RunningProxy;

beforeAll(async () => {
  fromFile = await startReplica('c1', 'from-file');
  fromStore = await startReplica('c1', 'from-store');
  const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-file-and-store-'));
  const url = `file:${join(dir, 'sy.db')}`;
  // Worker processes write the file too: wait for their lock rather than fail (SQLITE_BUSY).
  db = createClient({ url, timeout: 5_000 });
  await migrate(db);
  const now = Date.now();
  await upsertProject(db, { id: 'acme', name: 'Acme' }, now);
  await upsertApp(db, sampleApp('acme', 'chat', { authRequired: false }), now);
  await db.execute({
    sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
    args: ['c1', APP, fromStore.url, now],
  });
  proxy = await startTestProxy({
    endpoints: [{ cluster: 'c1', url: fromFile.url }],
    config: { storeUrl: url, reportIntervalMs: 50, outcomeBatchSize: 1 },
  });
});

afterAll(async () => {
  await proxy.close();
  db.close();
  await Promise.all([fromFile.close(), fromStore.close()]);
});

it("serves the file's replicas and still reports outcomes to libSQL", async () => {
  for (let i = 0; i < 3; i++) {
    const r = await rawRequest(proxy.url, { method: 'POST', path: `/v4/${APP}/v1/chat/completions`, body: chatBody(), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-sim-replica']).toBe('from-file');
  }
  await waitFor(async () => Number((await db.execute('SELECT count(*) AS n FROM outcomes')).rows[0]?.['n']) >= 3, 'three outcome rows in libSQL');
});
