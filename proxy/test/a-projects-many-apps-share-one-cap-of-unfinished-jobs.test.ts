/**
 * P1 (tenant isolation): the tenant is the project. The cap on unfinished async jobs (the bound
 * that keeps one tenant's backlog from costing the others: libSQL rows, lines in memory, runs)
 * was kept per app, so a project that created 20 apps kept 20 caps of jobs on a proxy. Now a
 * project's apps share its cap (PROXY_JOB_MAX_QUEUED_PER_PROJECT): submitting through 20 apps it
 * is refused 429 `jobs-queue-full`, naming the project's cap, where a one-app project would be,
 * and another project's jobs are still accepted. Real AsyncJobs over a real libSQL file; the
 * target holds every run, so the jobs stay unfinished.
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { libsqlJobStore } from '../src/async-job-store.ts';
import type { AsyncJobs } from '../src/async-jobs.ts';
import { ProxyError } from '../src/errors.ts';
import { testJobs, useJobTarget } from './async-jobs-fixture.ts';

const CAP = 4;
const FLOOD_APPS = Array.from({ length: 20 }, (_, i) => `flood/a${i}`);
const held: IncomingMessage[] = [];

const target = useJobTarget((req, res) => {
  held.push(req);
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('working on it');
});
afterAll(() => held.forEach((r) => r.socket.destroy()));

/** Reserves and submits `n` jobs of `appId` as the job route does; the refusals. */
async function submitMany(jobs: AsyncJobs, appId: string, n: number): Promise<ProxyError[]> {
  const refused: ProxyError[] = [];
  for (let i = 0; i < n; i++) {
    const room = await jobs.reserve(appId);
    if (room instanceof ProxyError) refused.push(room);
    else await jobs.submit({ appId, method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl: null }, room);
  }
  return refused;
}

it("a project's 20 apps share one cap of unfinished jobs; another project's jobs are still accepted", async () => {
  const store = libsqlJobStore(target.db.client);
  const jobs = testJobs(target, store, join(target.db.dir, 'jobs'), { maxQueuedOf: () => CAP, maxQueuedPerProject: CAP, windowOf: () => 1 });
  await jobs.start(target.url(), false);
  try {
    // A one-app project: its app's cap.
    expect(await submitMany(jobs, 'solo/a', CAP + 1)).toHaveLength(1);

    // 20 apps of one project: what the one-app project got, not 20 times it.
    const refused: ProxyError[] = [];
    for (const app of FLOOD_APPS) refused.push(...(await submitMany(jobs, app, CAP)));
    expect(FLOOD_APPS.length * CAP - refused.length).toBe(CAP);
    const first = refused[0];
    expect(first?.code).toBe('jobs-queue-full');
    expect(first?.status).toBe(429);
    expect(first?.message).toContain('project flood already has 4 unfinished async jobs on this proxy, all its apps together');
    expect(first?.message).toContain('PROXY_JOB_MAX_QUEUED_PER_PROJECT');

    // Another project is not charged for the flood.
    expect(await submitMany(jobs, 'quiet/b', CAP)).toHaveLength(0);
  } finally {
    jobs.stop();
  }
});
