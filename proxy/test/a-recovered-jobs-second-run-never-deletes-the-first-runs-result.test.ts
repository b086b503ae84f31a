/**
 * A job taken up by a restart while its first run still goes on elsewhere (a restarted worker 0,
 * a second proxy under the same id) runs twice at once. The run that ends the job wins; the other
 * deletes its own result file — never the winner's, so the owner reads the answer it was told is
 * there. And a result written by the previous version as `<id>.body` is still served after the
 * upgrade. Real libSQL, a real HTTP target, the real result route on a real socket.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { libsqlJobStore, type JobStore } from '../src/async-job-store.ts';
import { handleJobRoute } from '../src/async-job-routes.ts';
import type { AsyncJobs } from '../src/async-jobs.ts';
import type { ClientRequest, ClientResponse } from '../src/client-io.ts';
import { JobRouteReads } from '../src/job-route-reads.ts';
import { testJobs, useJobTarget } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';

/** The runs the target holds: the first is answered once the second has arrived. */
const held: ServerResponse[] = [];
const target = useJobTarget((req, res) => {
  req.resume();
  held.push(res);
});
let route: Server;
let served: AsyncJobs | null = null;

beforeAll(async () => {
  route = createServer((req, res) => void handleJobRoute(served === null ? null : new JobRouteReads(served, { slots: 4, now: Date.now }), req as ClientRequest, res as ClientResponse));
  await new Promise<void>((r) => route.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await new Promise((r) => route.close(r));
});

const resultOf = (id: string): Promise<Response> => fetch(`http://127.0.0.1:${(route.address() as AddressInfo).port}/_switchyard/jobs/${id}/result`);
const jobs = (store: JobStore, dir: string, recoverBefore: number): AsyncJobs => testJobs(target, store, dir, { recoverBefore });

it('the run that loses deletes only its own file: the winner’s answer is served whole', async () => {
  const store = libsqlJobStore(target.db.client);
  const dir = join(target.db.dir, 'jobs-twice');
  const first = jobs(store, dir, 0);
  let second: AsyncJobs | null = null;
  try {
    await first.start(target.url(), false);
    // PUT: idempotent, so a restart may run it again while the first run still waits.
    const job = await first.submit({ appId: 'a', method: 'PUT', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl: null });
    await waitFor(() => held.length === 1, 'the first run reaches the target', 5_000);
    // A restart elsewhere takes the still-running job up (it was created before that boot).
    second = jobs(store, dir, Date.now() + 1);
    await second.start(target.url(), true);
    await waitFor(() => held.length === 2, 'the second run reaches the target', 5_000);
    // The first run ends the job; then the second run's answer arrives and loses the final update.
    held[0]?.end('first run answer');
    await waitFor(async () => (await store.get(job.id))?.status === 'completed', 'the first run completes the job', 5_000);
    held[1]?.end('second run answer, longer');
    await waitFor(async () => (await readdir(dir)).length === 1, 'the losing run deletes its own file', 5_000);
    served = first;
    const res = await resultOf(job.id);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('first run answer');
  } finally {
    first.stop();
    second?.stop();
    served = null;
  }
});

it('a result written by the previous version as <id>.body is still served', async () => {
  const store = libsqlJobStore(target.db.client);
  const dir = join(target.db.dir, 'jobs-old');
  await mkdir(dir, { recursive: true });
  const id = `job_${'ab'.repeat(16)}`;
  const path = join(dir, `${id}.body`);
  const at = Date.now() - 1_000;
  await writeFile(path, 'kept from before the upgrade');
  await store.insert({ id, appId: 'a', proxyId: 'p', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claimsJson: '{}', retryable: false, status: 'running', attempts: 1, resultStatus: null, resultType: null, resultPath: null, resultBytes: null, error: null, createdAt: at, updatedAt: at, expiresAt: Number.MAX_SAFE_INTEGER, webhookUrl: null });
  await store.update(id, ['running'], { status: 'completed', resultStatus: 200, resultType: 'text/plain', resultPath: path, resultBytes: 28, expiresAt: at + 3_600_000 }, at);
  const upgraded = jobs(store, dir, Date.now());
  try {
    await upgraded.start(target.url(), true);
    served = upgraded;
    const res = await resultOf(id);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('kept from before the upgrade');
  } finally {
    upgraded.stop();
    served = null;
  }
});
