/**
 * Each run of an async job writes its own result file (`<id>.<run>.body`), so a run a drain or a
 * crash interrupts after the answer began leaves a partial file no row points at and no budget
 * counts. Those must not stay on disk for good: a drain deletes its run's file, and once the job
 * ends (completed, failed, cancelled) the files of its crashed earlier runs go too. Real libSQL,
 * a real HTTP target that sends part of an answer and then holds.
 */
import type { ServerResponse } from 'node:http';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { libsqlJobStore, type JobRow, type JobStore } from '../src/async-job-store.ts';
import { resultFile, type AsyncJobs } from '../src/async-jobs.ts';
import { testJobs, useJobTarget } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';

/** `partial`: the target sends headers and part of the body, then holds the answer. */
let mode: 'partial' | 'answer' = 'partial';
const held: ServerResponse[] = [];
const target = useJobTarget((req, res) => {
  req.resume();
  if (mode === 'answer') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('whole answer');
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('partial answer, the rest never comes');
  held.push(res);
});
afterAll(() => held.forEach((r) => r.destroy()));

const jobs = (store: JobStore, dir: string, recoverBefore: number): AsyncJobs => testJobs(target, store, dir, { recoverBefore });

/** A job a crashed process was running (run 1), with the partial file that run left. */
async function crashedRun(store: JobStore, dir: string, id: string, method: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const at = Date.now() - 1_000;
  const row: JobRow = { id, appId: 'a', proxyId: 'p', method, publicPath: '/v1/x', headers: {}, body: null, claimsJson: '{}', retryable: method === 'PUT', status: 'running', attempts: 1, resultStatus: null, resultType: null, resultPath: null, resultBytes: null, error: null, createdAt: at, updatedAt: at, expiresAt: Number.MAX_SAFE_INTEGER, webhookUrl: null };
  await store.insert(row);
  await writeFile(resultFile(dir, id, 1), 'partial answer of the crashed run');
}

it('a drain mid-answer deletes its run’s file; the next run’s result is the only file', async () => {
  const store = libsqlJobStore(target.db.client);
  const dir = join(target.db.dir, 'jobs-drained');
  mode = 'partial';
  const first = jobs(store, dir, 0);
  await first.start(target.url(), false);
  const job = await first.submit({ appId: 'a', method: 'PUT', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl: null });
  await waitFor(async () => (await readdir(dir)).length === 1 && held.length === 1, 'run 1 writes part of its answer', 5_000);
  first.stop();
  await waitFor(async () => (await readdir(dir)).length === 0, 'the drained run deletes its partial file', 5_000);
  mode = 'answer';
  const next = jobs(store, dir, Date.now() + 1);
  try {
    await next.start(target.url(), true);
    await waitFor(async () => (await store.get(job.id))?.status === 'completed', 'run 2 completes the job', 5_000);
    expect(await readdir(dir)).toEqual([`${job.id}.2.body`]);
  } finally {
    next.stop();
  }
});

it.each([
  ['PUT', 'completed', 'run 2 completes it'],
  ['POST', 'failed', 'not idempotent: failed at the restart'],
] as const)('%s job after a crash mid-answer: ends %s (%s), and the crashed run’s file is gone', async (method, ends, _why) => {
  const store = libsqlJobStore(target.db.client);
  const dir = join(target.db.dir, `jobs-crashed-${method}`);
  const id = `job_${method === 'PUT' ? 'aa' : 'bb'}${'0'.repeat(30)}`;
  await crashedRun(store, dir, id, method);
  mode = 'answer';
  const restarted = jobs(store, dir, Date.now());
  try {
    await restarted.start(target.url(), true);
    await waitFor(async () => (await store.get(id))?.status === ends, `the job ends ${ends}`, 5_000);
    await waitFor(async () => (await readdir(dir)).join() === (ends === 'completed' ? `${id}.2.body` : ''), 'only the result (if any) is left', 5_000);
  } finally {
    restarted.stop();
  }
});

it('cancelling a job deletes what its crashed run left', async () => {
  const store = libsqlJobStore(target.db.client);
  const dir = join(target.db.dir, 'jobs-cancelled');
  const id = `job_${'cc'.repeat(16)}`;
  await crashedRun(store, dir, id, 'PUT');
  const here = jobs(store, dir, 0);
  try {
    await here.start(target.url(), false); // not taken up here: it belongs to a later boot's recovery
    expect(await here.cancel(id)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  } finally {
    here.stop();
  }
});
