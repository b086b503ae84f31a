/**
 * What the async-job tests that drive `AsyncJobs` directly share: a real HTTP target (the job's
 * request goes there), a real libSQL file and one undici Agent, made before the file's tests and
 * closed after; and `AsyncJobs` with test defaults, each test overriding what it is about.
 */
import { writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import type { JobStore } from '../src/async-job-store.ts';
import { AsyncJobs, type AsyncJobsOptions } from '../src/async-jobs.ts';

export interface JobTarget {
  /** The libSQL file the jobs' rows live in (its `dir` holds the tests' result directories). */
  readonly db: TempStore;
  readonly agent: Agent;
  /** Where the jobs' requests go. */
  url(): string;
}

/** An HTTP server answering with `handler` on 127.0.0.1, started before the file's tests and closed after. */
export function useServer(handler: RequestListener): { url(): string } {
  let server: Server | undefined;
  beforeAll(async () => {
    server = createServer(handler);
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => (server === undefined ? r(undefined) : server.close(r)));
  });
  return { url: () => `http://127.0.0.1:${(ready(server, 'the server').address() as AddressInfo).port}` };
}

/** Registers the file's beforeAll/afterAll: a target answering with `handler`, a database, an Agent. */
export function useJobTarget(handler: RequestListener): JobTarget {
  const server = useServer(handler);
  let db: TempStore | undefined;
  let agent: Agent | undefined;
  beforeAll(async () => {
    db = await openTempStore();
    agent = new Agent();
  });
  afterAll(async () => {
    await agent?.close();
    db?.dispose();
  });
  return {
    get db() {
      return ready(db, 'the database');
    },
    get agent() {
      return ready(agent, 'the agent');
    },
    url: server.url,
  };
}

/** Each app's webhook signing secret (`secret-<app>`), so its jobs' notices are sent. */
export async function webhookSecrets(db: TempStore, apps: readonly string[]): Promise<void> {
  for (const app of apps) await db.client.execute({ sql: 'INSERT INTO job_webhook_secrets (app_id, secret, created_at) VALUES (?, ?, ?)', args: [app, `secret-${app}`, Date.now()] });
}

function ready<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} is made in beforeAll`);
  return v;
}

/** `AsyncJobs` on `store`, results in `dir`, requests through the target's Agent; `extra` wins. */
export function testJobs(target: JobTarget, store: JobStore, dir: string, extra: Partial<AsyncJobsOptions> = {}): AsyncJobs {
  return new AsyncJobs({
    proxyId: 'p', store, dir, retentionMs: 3_600_000, maxResultBytes: 1_000_000, maxAttempts: 3, maxWaitMs: 60_000,
    recoverBefore: 0, maxQueuedOf: () => 1_000, windowOf: () => 1, now: Date.now, logger: pino({ level: 'silent' }),
    dispatcher: target.agent, ...extra,
  });
}

/**
 * Jobs whose webhook notices go to 127.0.0.1 receivers (standing for a shared public one), run at
 * once whatever their app's window, and a submit of a bodiless POST with a webhook; `extra` wins.
 */
export function webhookJobs(target: JobTarget, store: JobStore, extra: Partial<AsyncJobsOptions> = {}): { jobs: AsyncJobs; submit: (appId: string, webhookUrl: string) => ReturnType<AsyncJobs['submit']> } {
  const jobs = testJobs(target, store, join(target.db.dir, 'jobs'), { retentionMs: 60_000, recoverBefore: Date.now(), windowOf: () => Number.POSITIVE_INFINITY, webhookAllowInternal: true, ...extra });
  const submit = (appId: string, webhookUrl: string): ReturnType<AsyncJobs['submit']> => jobs.submit({ appId, method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl });
  return { jobs, submit };
}

/** A completed job of `appId` whose result (`content`) is kept in `dir`, ended at `endedAt`; returns the file. */
export async function completedJob(store: JobStore, dir: string, id: string, appId: string, content: string | Buffer, endedAt: number, expiresAt = endedAt + 3_600_000): Promise<string> {
  const path = join(dir, `${id}.body`);
  await writeFile(path, content);
  await store.insert({ id, appId, proxyId: 'p', method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claimsJson: '{}', retryable: false, status: 'running', attempts: 1, resultStatus: null, resultType: null, resultPath: null, resultBytes: null, error: null, createdAt: endedAt, updatedAt: endedAt, expiresAt: Number.MAX_SAFE_INTEGER, webhookUrl: null });
  await store.update(id, ['running'], { status: 'completed', resultStatus: 200, resultPath: path, resultBytes: Buffer.byteLength(content), expiresAt }, endedAt);
  return path;
}

/** `base` whose read of the results kept before a boot fails until `up()`: a boot during a libSQL blip. */
export function retainedDownUntilUp(base: JobStore): { readonly store: JobStore; up(): void } {
  let down = true;
  return {
    store: { ...base, retained: (proxyId, before) => (down ? Promise.reject(new Error('libSQL unreachable')) : base.retained(proxyId, before)) },
    up: () => void (down = false),
  };
}
