/**
 * The per-app retained-results budget (PROXY_JOB_RESULT_BYTES_PER_APP) survives a restart: the
 * results an app left on disk before the proxy booted are counted at start, so a restart does not
 * hand the app a fresh budget on top of what it already keeps. Real libSQL, a real HTTP target.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { libsqlJobStore, type JobRow } from '../src/async-job-store.ts';
import { testJobs, useJobTarget } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';

const ANSWER = Buffer.alloc(1_000, 'x');
const target = useJobTarget((req, res) => {
  req.resume();
  res.end(ANSWER);
});

function finished(id: string, appId: string, path: string, at: number): JobRow {
  return { id, appId, proxyId: 'p', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claimsJson: '{}', retryable: false, status: 'completed', attempts: 1, resultStatus: 200, resultType: null, resultPath: path, resultBytes: ANSWER.length, error: null, createdAt: at, updatedAt: at, expiresAt: at + 3_600_000, webhookUrl: null };
}

it("an app's results from before the boot count, so its oldest go first after a restart; another app's stay", async () => {
  const store = libsqlJobStore(target.db.client);
  const dir = join(target.db.dir, 'jobs');
  await mkdir(dir, { recursive: true });
  const before = Date.now() - 10_000;
  // Before the restart: app a kept 2 results (its whole budget), app b one.
  for (const [id, app, at] of [['old_a1', 'a', before], ['old_a2', 'a', before + 1], ['old_b1', 'b', before + 2]] as const) {
    const path = join(dir, `${id}.body`);
    await writeFile(path, ANSWER);
    // insert writes no result columns (a new job has none): the end of a run sets them, as here.
    await store.insert({ ...finished(id, app, path, at), status: 'running' });
    await store.update(id, ['running'], { status: 'completed', resultStatus: 200, resultPath: path, resultBytes: ANSWER.length, expiresAt: at + 3_600_000 }, at);
  }
  const jobs = testJobs(target, store, dir, { maxResultBytes: ANSWER.length, resultBytesPerApp: 2 * ANSWER.length, recoverBefore: Date.now() });
  try {
    await jobs.start(target.url());
    const job = await jobs.submit({ appId: 'a', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl: null });
    await waitFor(async () => (await store.get(job.id))?.status === 'completed', 'the new job completes', 8_000);
    // The row is marked first, then the file goes (job-result-ledger.ts): wait for both.
    await waitFor(async () => (await store.get('old_a1'))?.status === 'expired', "a's oldest result is marked expired", 2_000);
    await waitFor(async () => (await stat(join(dir, 'old_a1.body')).catch(() => null)) === null, "a's oldest result file is deleted", 2_000);
    expect((await store.get('old_a2'))?.status).toBe('completed');
    expect((await store.get('old_b1'))?.status).toBe('completed');
    expect((await stat(join(dir, 'old_b1.body'))).size).toBe(ANSWER.length);
  } finally {
    jobs.stop();
  }
});
