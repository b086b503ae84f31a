/**
 * A failed job's `error` is read by whoever holds its id (its status route takes no token), so it
 * says what failed in the client's terms and never carries the foreign error's text: that named
 * the proxy's result directory (`ENOENT: … open '/var/lib/…/job_….1.body'`) or its loopback runner
 * address (`connect ECONNREFUSED 127.0.0.1:…`). The cause goes to the operator's log. Real libSQL,
 * a real HTTP target.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { libsqlJobStore } from '../src/async-job-store.ts';
import { testJobs, useJobTarget } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';

const target = useJobTarget((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain' }).end('answer');
});

it.each([
  ['its result file cannot be written', 'jobs-gone', (dir: string) => dir, (url: string) => url],
  ['the runner cannot reach the proxy', 'jobs-unreachable', () => '127.0.0.1', () => 'http://127.0.0.1:1'],
])('%s: the job fails naming neither path nor address; the log has the cause', async (_what, name, secret, selfUrl) => {
  const store = libsqlJobStore(target.db.client);
  const dir = join(target.db.dir, name);
  const logged: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
  const jobs = testJobs(target, store, dir, { logger, maxAttempts: 1 });
  try {
    await jobs.start(selfUrl(target.url()), false);
    await rm(dir, { recursive: true, force: true });
    const job = await jobs.submit({ appId: 'acme/chat', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl: null });
    await waitFor(async () => (await store.get(job.id))?.status === 'failed', 'the job fails', 5_000);
    const error = (await store.get(job.id))?.error ?? '';
    expect(error).toMatch(/^the job's request failed/);
    expect(error).not.toContain(secret(dir));
    expect(error).not.toMatch(/ENOENT|ECONNREFUSED/);
    await waitFor(() => logged.some((l) => l.includes(job.id) && l.includes(secret(dir))), 'the cause is logged', 2_000);
  } finally {
    jobs.stop();
  }
});
