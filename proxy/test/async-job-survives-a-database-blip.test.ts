/**
 * One failed libSQL read as a job's run starts no longer drops the job (review s15 #2): its row
 * stayed `queued` but it had left its app's line, so nothing ran it until a restart. It now goes
 * back in line and runs after a short backoff. Real libSQL, a real HTTP server as the target.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { libsqlJobStore, type JobStore } from '../src/async-job-store.ts';
import { AsyncJobs } from '../src/async-jobs.ts';
import { waitFor } from './harness.ts';

let target: Server;
let db: TempStore;
let hits = 0;

beforeAll(async () => {
  target = createServer((req, res) => {
    hits++;
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  db = await openTempStore();
});

afterAll(async () => {
  await new Promise((r) => target.close(r));
  db.dispose();
});

it('a job whose first start hits a database error runs once the database answers again', async () => {
  const base = libsqlJobStore(db.client);
  let failures = 1;
  const store: JobStore = {
    ...base,
    async get(id) {
      if (failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
      return base.get(id);
    },
  };
  const jobs = new AsyncJobs({ proxyId: 'p', store, dir: join(db.dir, 'jobs'), retentionMs: 60_000, maxResultBytes: 1e6, maxAttempts: 3, maxWaitMs: 60_000, recoverBefore: Date.now(), maxQueuedOf: () => 1_000, windowOf: () => 1, now: Date.now, logger: pino({ level: 'silent' }), dispatcher: new Agent() });
  try {
    await jobs.start(`http://127.0.0.1:${(target.address() as AddressInfo).port}`);
    const job = await jobs.submit({ appId: 'a', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl: null });
    await waitFor(async () => (await base.get(job.id))?.status === 'completed', 'the job to complete', 8_000);
    expect(await base.get(job.id)).toMatchObject({ status: 'completed', resultStatus: 200, attempts: 1 });
    expect(hits).toBe(1);
  } finally {
    jobs.stop();
  }
}, 15_000);
