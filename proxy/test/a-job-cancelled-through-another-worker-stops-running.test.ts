/**
 * A DELETE reaches whichever worker (or proxy) the client's connection landed on, and only that
 * one could abort a run it held itself: a cancel taken by another worker marked the row
 * cancelled while the run went on (for an hours-long job, hours of a GPU for nobody) and kept
 * its app's job slot until it ended. Now every process checks its running jobs' rows for a
 * cancel. Two `AsyncJobs` on one real libSQL file stand for two workers; the job's request goes
 * to a real HTTP target that holds its answer open.
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { libsqlJobStore } from '../src/async-job-store.ts';
import type { AsyncJobs } from '../src/async-jobs.ts';
import { ProxyError } from '../src/errors.ts';
import { testJobs, useJobTarget } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';

const arrived: IncomingMessage[] = [];
const closed = new Set<IncomingMessage>();
const target = useJobTarget((req, res) => {
  arrived.push(req);
  req.resume();
  res.on('close', () => closed.add(req));
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('working on it');
});
afterAll(() => arrived.forEach((r) => r.socket.destroy()));

/** A slot of app a's cap of unfinished jobs, as the job route reserves one before reading a body. */
async function slot(jobs: AsyncJobs): Promise<() => void> {
  const give = await jobs.reserve('a');
  if (give instanceof ProxyError) throw new Error(`no slot for app a: ${give.message}`);
  return give;
}

it('a job cancelled through another worker stops running here within the check interval, and frees its slot', async () => {
  const store = libsqlJobStore(target.db.client);
  const running = testJobs(target, store, join(target.db.dir, 'jobs-running'), { cancelCheckMs: 200, maxQueuedOf: () => 1 });
  const other = testJobs(target, store, join(target.db.dir, 'jobs-other'), { cancelCheckMs: 200 });
  await running.start(target.url(), false);
  await other.start(target.url(), false);
  try {
    const job = await running.submit({ appId: 'a', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl: null }, await slot(running));
    await waitFor(() => Promise.resolve(arrived.length === 1), 'the run reaches the target', 5_000);
    // The client's DELETE lands on the other worker.
    expect(await other.cancel(job.id)).toBe(true);
    await waitFor(() => Promise.resolve(closed.has(arrived[0] as IncomingMessage)), 'the run here is stopped', 3_000);
    expect((await store.get(job.id))?.status).toBe('cancelled');
    // Its slot is free again (the cap here is one unfinished job; the run gives it back as it
    // winds down, just after its request closed): the app's next job is taken and runs.
    let next: (() => void) | null = null;
    await waitFor(async () => {
      const give = await running.reserve('a');
      if (give instanceof ProxyError) return false;
      next = give;
      return true;
    }, "the app's job slot is given back", 3_000);
    await running.submit({ appId: 'a', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl: null }, next ?? undefined);
    await waitFor(() => Promise.resolve(arrived.length === 2), "the app's next job starts", 5_000);
  } finally {
    running.stop();
    other.stop();
  }
});
