/**
 * A restart takes up only the jobs created before it booted (review s15 #1). Recovery reads in
 * pages while the public listener already takes submits: a job submitted meanwhile used to land
 * on a later page and be taken up as if interrupted — a POST marked failed ("interrupted by a
 * proxy restart") while it ran, a PUT run twice. In cluster mode a restarted worker 0 likewise
 * took up its live siblings' jobs (same proxy id). Real libSQL, a real HTTP server as the target.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from 'undici';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { libsqlJobStore, type JobRow, type JobStore } from '../src/async-job-store.ts';
import { AsyncJobs } from '../src/async-jobs.ts';
import { waitFor } from './harness.ts';

/** Runs per job id seen by the target; each answers after 200 ms so runs overlap recovery. */
const runs = new Map<string, number>();
let target: Server;
let db: TempStore;
let jobs: AsyncJobs | null = null;
const agent = new Agent();

beforeEach(async () => {
  runs.clear();
  target = createServer((req, res) => {
    const id = String(req.headers['x-switchyard-job']);
    runs.set(id, (runs.get(id) ?? 0) + 1);
    req.resume();
    setTimeout(() => res.end('ok'), 200);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  db = await openTempStore();
});

afterEach(async () => {
  jobs?.stop();
  jobs = null;
  await new Promise((r) => target.close(r));
  db.dispose();
});

function row(id: string, createdAt: number, status: 'queued' | 'running', method = 'POST'): JobRow {
  return { id, appId: 'a', proxyId: 'p', method, publicPath: '/v1/x', headers: {}, body: null, claimsJson: '{}', retryable: method === 'PUT', status, attempts: status === 'running' ? 1 : 0, resultStatus: null, resultType: null, resultPath: null, resultBytes: null, error: null, createdAt, updatedAt: createdAt, expiresAt: Number.MAX_SAFE_INTEGER, webhookUrl: null };
}

function asyncJobs(store: JobStore, bootedAt: number): AsyncJobs {
  return new AsyncJobs({ proxyId: 'p', store, dir: join(db.dir, 'jobs'), retentionMs: 60_000, maxResultBytes: 1e6, maxAttempts: 3, maxWaitMs: 60_000, recoverBefore: bootedAt, maxQueuedOf: () => 1_000, windowOf: () => Number.POSITIVE_INFINITY, now: Date.now, logger: pino({ level: 'silent' }), dispatcher: agent });
}

const targetUrl = (): string => `http://127.0.0.1:${(target.address() as AddressInfo).port}`;

it.each(['POST', 'PUT'])('a %s job submitted while recovery reads its pages runs once and completes', async (method) => {
  const base = libsqlJobStore(db.client);
  const bootedAt = Date.now();
  // More than one page of old jobs, so recovery is still reading when the new job arrives.
  for (let i = 0; i < 201; i++) await base.insert(row(`old_${String(i).padStart(3, '0')}`, bootedAt - 10_000 + i, 'queued'));
  let submitted = '';
  let pages = 0;
  const store: JobStore = {
    ...base,
    async unfinished(proxyId, before, after, limit) {
      const page = await base.unfinished(proxyId, before, after, limit);
      if (pages++ === 0) {
        const give = await jobs?.reserve('a');
        const job = await jobs?.submit({ appId: 'a', method, publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl: null }, give as () => void);
        submitted = job?.id ?? '';
      }
      return page;
    },
  };
  jobs = asyncJobs(store, bootedAt);
  await jobs.start(targetUrl());
  // Every job done (the machine may be slow: wait for the rows, not a fixed time).
  const unfinished = async (): Promise<number> => Number((await db.client.execute("SELECT count(*) AS n FROM async_jobs WHERE status IN ('queued', 'running')")).rows[0]?.['n']);
  await waitFor(async () => (await unfinished()) === 0, 'every job to finish', 25_000);
  await new Promise((r) => setTimeout(r, 300));
  expect(await base.get(submitted)).toMatchObject({ status: 'completed', error: null, attempts: 1 });
  expect(runs.get(submitted)).toBe(1);
  expect([...runs.values()].every((n) => n === 1)).toBe(true);
  expect(runs.size).toBe(202);
}, 40_000);

it("a restarted worker leaves a live sibling's job alone and takes up the ones from before the proxy booted", async () => {
  const base = libsqlJobStore(db.client);
  const bootedAt = Date.now() - 5_000;
  // Interrupted before the boot (retryable): taken up again. Running for a live sibling since: left alone.
  await base.insert(row('interrupted', bootedAt - 1_000, 'running', 'PUT'));
  await base.insert(row('sibling', bootedAt + 1_000, 'running', 'POST'));
  jobs = asyncJobs(base, bootedAt);
  await jobs.start(targetUrl());
  await waitFor(async () => (await base.get('interrupted'))?.status === 'completed', 'the job to complete', 10_000);
  expect(await base.get('interrupted')).toMatchObject({ status: 'completed', attempts: 2 });
  expect(await base.get('sibling')).toMatchObject({ status: 'running', error: null, attempts: 1 });
  expect(runs.has('sibling')).toBe(false);
});
