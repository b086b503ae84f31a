/**
 * The per-app budget of kept job results (PROXY_JOB_RESULT_BYTES_PER_APP) holds for the whole
 * proxy, not per worker: the primary holds the one count and every worker reports the results it
 * keeps (job-result-ledger.ts). Each worker used to count only its own, so an app kept its budget
 * on every worker of the proxy (and counted the results from before a restart on each).
 * Real processes: one libSQL server, one proxy primary with two workers, one engine.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica, testKeys, waitFor, type TestKeys } from './harness.ts';
import { seedAcmeChat, spawnDbProxy, spawnLibsqlServer, type ChildWithUrl } from './libsql-proxy-processes.ts';

const PROXY = 'proxy-jr';
const JOBS = 12;
const MAX_RESULT = 1_000;

describe("a cluster's workers share one results budget per app", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-worker-results-'));
  let db: ChildWithUrl;
  let client: Client;
  let proxy: ChildWithUrl;
  let keys: TestKeys;
  let sim: SimCluster;

  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 2_000 });
    db = await spawnLibsqlServer(join(dir, 'sy.db'));
    client = createClient({ url: db.url });
    await migrate(client);
    await seedAcmeChat(client, sim.url);
    proxy = await spawnDbProxy(PROXY, db.url, keys.jwks, {
      PROXY_WORKERS: '2',
      PROXY_JOBS_DIR: join(dir, 'jobs'),
      PROXY_JOB_MAX_RESULT_BYTES: String(MAX_RESULT),
      PROXY_JOB_RESULT_BYTES_PER_APP: String(MAX_RESULT),
    });
  }, 120_000);

  afterAll(async () => {
    proxy.child.kill('SIGKILL');
    client.close();
    db.child.kill('SIGKILL');
    await sim.close();
  });

  it("the app's completed results together stay within its budget, whichever worker ran them", async () => {
    // A fresh connection per submit: the primary hands connections to the workers in turn.
    for (let i = 0; i < JOBS; i++) {
      const res = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ max_tokens: 5 }),
        headers: { 'x-switchyard-token': await keys.mint({ aud: PROXY }), 'x-switchyard-async': '1', connection: 'close' },
      });
      expect(res.status).toBe(202);
    }
    const kept = async (): Promise<{ done: number; bytes: number; count: number }> => {
      const rs = await client.execute({ sql: `SELECT status, result_bytes FROM async_jobs WHERE app_id = ?`, args: [APP] });
      const rows = rs.rows.map((r) => ({ status: String(r['status']), bytes: Number(r['result_bytes'] ?? 0) }));
      const completed = rows.filter((r) => r.status === 'completed');
      return { done: rows.filter((r) => r.status === 'completed' || r.status === 'expired').length, bytes: completed.reduce((n, r) => n + r.bytes, 0), count: completed.length };
    };
    await waitFor(async () => (await kept()).done === JOBS, 'every job ends', 30_000);
    // The primary's deletions follow the last completion by a message and a write.
    await new Promise((r) => setTimeout(r, 500));
    const { bytes, count } = await kept();
    console.log(`${count} results kept, ${bytes} bytes, budget ${MAX_RESULT}`);
    expect(count).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(MAX_RESULT);
  }, 60_000);
});
