/**
 * The cap on an app's unfinished async jobs (PROXY_JOB_MAX_QUEUED_PER_APP) holds for the whole
 * proxy, not per worker: every unfinished job holds a slot at the primary (cluster-limits.ts),
 * released when it ends. Each worker used to count only its own jobs, so with the default of one
 * worker per core an app could keep cores × its cap unfinished on one proxy.
 * Real processes: one libSQL server, one proxy primary with two workers, one slow engine.
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

const PROXY = 'proxy-jc';
const CAP = 3;
const SUBMITS = 8;

describe("a cluster's workers share one cap of unfinished jobs per app", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-worker-job-cap-'));
  let db: ChildWithUrl;
  let client: Client;
  let proxy: ChildWithUrl;
  let keys: TestKeys;
  let sim: SimCluster;

  beforeAll(async () => {
    keys = await testKeys();
    // 20 tokens at 5 a second: each job stays unfinished for ~4 s while the others are submitted
    // (all eight submits take under 1 s on a loaded 2-core machine).
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 5 });
    db = await spawnLibsqlServer(join(dir, 'sy.db'));
    client = createClient({ url: db.url });
    await migrate(client);
    await seedAcmeChat(client, sim.url);
    proxy = await spawnDbProxy(PROXY, db.url, keys.jwks, {
      PROXY_WORKERS: '2',
      PROXY_JOBS_DIR: join(dir, 'jobs'),
      PROXY_JOB_MAX_QUEUED_PER_APP: String(CAP),
    });
  }, 120_000);

  afterAll(async () => {
    proxy.child.kill('SIGKILL');
    client.close();
    db.child.kill('SIGKILL');
    await sim.close();
  });

  const submit = async (): Promise<{ status: number; code: string | undefined }> => {
    // A fresh connection per submit: the primary hands connections to the workers in turn.
    const res = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ max_tokens: 20 }),
      headers: { 'x-switchyard-token': await keys.mint({ aud: PROXY }), 'x-switchyard-async': '1', connection: 'close' },
    });
    const code = res.status === 202 ? undefined : (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
    return { status: res.status, code };
  };

  it('accepts the cap across both workers, refuses the rest with 429, and frees slots as jobs end', async () => {
    const answers: Array<{ status: number; code: string | undefined }> = [];
    for (let i = 0; i < SUBMITS; i++) answers.push(await submit());
    expect(answers.filter((a) => a.status === 202)).toHaveLength(CAP); // was 2 × CAP: one cap per worker
    expect(answers.filter((a) => a.status === 429).map((a) => a.code)).toEqual(Array(SUBMITS - CAP).fill('jobs-queue-full'));

    const unfinished = async (): Promise<number> =>
      Number((await client.execute({ sql: "SELECT count(*) AS n FROM async_jobs WHERE app_id = ? AND status IN ('queued', 'running')", args: [APP] })).rows[0]?.['n']);
    expect(await unfinished()).toBe(CAP);
    await waitFor(async () => (await unfinished()) === 0, 'the accepted jobs end', 60_000);
    // Their slots are free again, on whichever worker takes the next submit.
    const again: number[] = [];
    for (let i = 0; i < CAP; i++) again.push((await submit()).status);
    expect(again).toEqual(Array(CAP).fill(202));
  }, 120_000);
});
