/**
 * After `stop()` (a drain) the proxy's jobs open no new webhook client (review s15 #4): a job
 * cancelled then used to create a webhook connection pool that nothing would ever close. Its
 * notice is skipped, like every other job's of a stopped process; the cancel itself is stored.
 * Real libSQL, a real HTTP server as the webhook receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { libsqlJobStore } from '../src/async-job-store.ts';
import { AsyncJobs } from '../src/async-jobs.ts';

let receiver: Server;
let db: TempStore;
let notices = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    notices++;
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  db = await openTempStore();
});

afterAll(async () => {
  await new Promise((r) => receiver.close(r));
  db.dispose();
});

it('a job cancelled after the proxy stopped is cancelled without a webhook client opened for it', async () => {
  const store = libsqlJobStore(db.client);
  await db.client.execute({ sql: 'INSERT INTO job_webhook_secrets (app_id, secret, created_at) VALUES (?, ?, ?)', args: ['a', 'whsec_test', 1] });
  const now = Date.now();
  await store.insert({ id: 'job_1', appId: 'a', proxyId: 'p', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claimsJson: '{}', retryable: false, status: 'queued', attempts: 0, resultStatus: null, resultType: null, resultPath: null, resultBytes: null, error: null, createdAt: now, updatedAt: now, expiresAt: Number.MAX_SAFE_INTEGER, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` });
  const jobs = new AsyncJobs({ proxyId: 'p', store, dir: join(db.dir, 'jobs'), retentionMs: 60_000, maxResultBytes: 1e6, maxAttempts: 3, maxWaitMs: 60_000, recoverBefore: now, maxQueuedOf: () => 1_000, windowOf: () => 1, now: Date.now, logger: pino({ level: 'silent' }), dispatcher: new Agent(), webhookAllowInternal: true });
  await jobs.start('http://127.0.0.1:1', false);
  jobs.stop();
  expect(await jobs.cancel('job_1')).toBe(true);
  await new Promise((r) => setTimeout(r, 500));
  expect((await store.get('job_1'))?.status).toBe('cancelled');
  expect(notices).toBe(0);
});
