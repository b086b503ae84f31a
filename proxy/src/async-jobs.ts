/**
 * Async jobs (`?async=1` or `x-switchyard-async: 1`): the proxy answers 202 with a job id, keeps
 * the job in libSQL (async-job-store.ts) and runs it by sending the stored request to itself
 * with a per-process runner credential, so the job takes the normal path — the decision made at
 * submit time, limits, retries, breakers, outcomes. The answer streams into a file (bounded by
 * `maxResultBytes`, never held whole in memory) kept `retentionMs` after the job ends, and at most
 * `resultBytesPerApp` of one app's results and `resultBytesTotal` of all at once (job-result-ledger.ts;
 * in a cluster the primary counts for every worker, `reportResult`).
 * A finished row drops its request body (async-job-store.ts).
 *
 * After a restart the proxy takes up its unfinished jobs: queued ones run; one that was running
 * runs again only when it may run twice (idempotent method or an Idempotency-Key), up to
 * `maxAttempts`, else it is marked failed with the reason — never lost silently.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import { FINAL_STATUSES, jobView, type JobRow, type JobStore } from './async-job-store.ts';
import { AppJobQueue, JOB_QUEUE_MAX, jobSlotKey, jobSlotLimitsOf, projectJobSlotKey } from './async-job-queue.ts';
import { AppLimiter, type Admission } from './app-limits.ts';
import { unmakeableDirReason } from './file-reasons.ts';
import { JobResultLedger } from './job-result-ledger.ts';
import type { RetainedResult } from './retained-job-results.ts';
import { requeueDelayMs } from './async-job-requeue.ts';
import { ProxyError } from './errors.ts';
import { FirstLoadSlots, RefreshingCache } from './refreshing-cache.ts';
import { deliverWebhook, webhookDispatcher, webhookProblem } from './job-webhook.ts';
import { WEBHOOK_QUEUE_PER_APP, WEBHOOKS_PER_PROJECT, WebhookDropped, WebhookLanes, webhookQueuePerProject } from './webhook-lanes.ts';

export const RUNNER_HEADER = 'x-switchyard-job-runner';
export const JOB_HEADER = 'x-switchyard-job';

export interface AsyncJobsOptions {
  readonly proxyId: string;
  readonly store: JobStore;
  readonly dir: string;
  readonly retentionMs: number;
  readonly maxResultBytes: number;
  /**
   * Bytes of finished results one app keeps here (`PROXY_JOB_RESULT_BYTES_PER_APP`); past it its
   * oldest are deleted early and marked `expired`. Default 4 × `maxResultBytes`.
   */
  readonly resultBytesPerApp?: number;
  /** Bytes of finished results all apps keep here (`PROXY_JOB_RESULT_BYTES_TOTAL`). Default: no bound. */
  readonly resultBytesTotal?: number;
  /**
   * A cluster worker: kept results are counted by the primary (job-result-ledger.ts), which this
   * reports each one to; this process then counts none itself, so each is counted once.
   */
  readonly reportResult?: (appId: string, result: RetainedResult) => void;
  readonly maxAttempts: number;
  /** How long after submission a refused job ("try later") may still go back to the queue. */
  readonly maxWaitMs: number;
  /**
   * When this proxy booted (the primary, in cluster mode), before any listener opened: a restart
   * takes up only jobs created earlier, never one submitted to it since or a live sibling's.
   */
  readonly recoverBefore: number;
  /** Unfinished jobs the app may have on this proxy (async-job-queue.ts `jobQueueCap`). */
  readonly maxQueuedOf: (appId: string) => number;
  /**
   * Unfinished jobs a project may have on this proxy, all its apps together (async-job-queue.ts
   * `jobProjectCap`). Default: JOB_QUEUE_MAX.
   */
  readonly maxQueuedPerProject?: number;
  /**
   * Where each unfinished job holds a slot of its app's cap (`jobSlotKey`) and of its project's
   * (`projectJobSlotKey`): a cluster worker's primary (cluster-limits.ts `workerAdmission`), so
   * the caps hold per proxy, not once per worker. Default: counted in this process.
   */
  readonly slots?: Admission;
  /** Runs of the app worth starting at once: its maxConcurrency, Infinity without one. */
  readonly windowOf: (appId: string) => number;
  readonly now: () => number;
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
  /** Webhooks to loopback, private and link-local addresses allowed (`PROXY_WEBHOOK_ALLOW_PRIVATE`). */
  readonly webhookAllowInternal?: boolean;
  /** Notices of one app waiting to be sent (`PROXY_WEBHOOK_QUEUE_PER_APP`); past it its oldest is dropped. */
  readonly webhookQueuePerApp?: number;
  /** Notices of one project waiting to be sent (`PROXY_WEBHOOK_QUEUE_PER_PROJECT`); past it the oldest of its longest line is dropped. */
  readonly webhookQueuePerProject?: number;
  /** A notice of `appId` was dropped unsent (its line was full): the metric. */
  readonly onWebhookDropped?: (appId: string) => void;
  /** How often running jobs are checked for a cancel taken by another worker or proxy (ms). */
  readonly cancelCheckMs?: number;
}

/**
 * A DELETE lands on whichever worker (or proxy) the client's connection reached; only that one
 * can abort a run it holds itself. The others see the cancel by reading their running jobs'
 * rows this often, so an hours-long run does not go on holding a GPU for nobody.
 */
const CANCEL_CHECK_MS = 2_000;

export interface SubmitInput {
  readonly appId: string;
  readonly method: string;
  readonly publicPath: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | null;
  readonly claims: RoutingClaims;
  readonly webhookUrl: string | null;
}

class ResultTooLarge extends Error {}

/**
 * A failed run as the job's `error`, which whoever holds the id reads: what failed, in the
 * client's terms. Never the foreign error's text, which named this proxy's result directory
 * (a file error) or its loopback runner address (a socket error); that goes to the log.
 */
function runFailure(err: unknown): string {
  const syscall = typeof err === 'object' && err !== null ? (err as { syscall?: unknown }).syscall : undefined;
  return typeof syscall === 'string' && /^(open|write|close|mkdir|unlink|rename)$/.test(syscall)
    ? "the job's request failed: this proxy could not store its answer; an operator finds the cause in the proxy's log under the job's id"
    : "the job's request failed: its answer was cut off or never came; submit it again";
}

/** Rows read per page when taking jobs back after a restart (without bodies). */
const RECOVER_PAGE = 200;
/** Retry-After of a submit refused by the cap: jobs of a full line take seconds, not milliseconds. */
const QUEUE_FULL_RETRY_S = 5;
/** A run whose bookkeeping failed (libSQL unreachable) tries again after this; the row stays queued. */
const BOOKKEEPING_RETRY_MS = 2_000;

/**
 * Job-row inserts (submits) in flight at once per process, shared max-min fairly between projects
 * (one alone holds half, 4): a share of the store client's STORE_CONCURRENCY (20) slots, so one
 * tenant's burst of submits (to an open app: anyone, no key) while libSQL is slow never holds every
 * tenant's leases, writes and lookups. The cost: one project's burst is written 4 at a time (at
 * 50 ms a write, 80 submits a second per process) and waits its turn, not the store's queue.
 */
export const JOB_SUBMIT_WRITES = 8;
/** Longest a submit waits for its turn to write before 503 `job-submits-busy`: the store calls' deadline. */
const JOB_SUBMIT_WAIT_MS = 5_000;
/** Retry-After of a submit that found no turn to write. */
const SUBMITS_BUSY_RETRY_S = 1;

/** How often a kept "this app has a webhook secret" is read again in the background. */
const WEBHOOK_SECRET_REFRESH_MS = 10_000;

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * One file per attempt: a job recovered while an earlier run of it still goes on elsewhere (a
 * restarted worker 0, a second proxy under the same id) has two writers, and the one that loses
 * the final update deletes only its own. The row keeps the winner's path (`result_path`), so the
 * result route needs no rule of its own, and rows written as `<id>.body` before this still read.
 */
export function resultFile(dir: string, id: string, attempt: number): string {
  return join(dir, `${id}.${attempt}.body`);
}

export class AsyncJobs {
  readonly #secret = Buffer.from(randomBytes(24).toString('base64url'));
  readonly #running = new Map<string, { claims: RoutingClaims; abort: AbortController }>();
  #stopping = false;
  #selfUrl = '';
  #sweeper: NodeJS.Timeout | null = null;
  #cancelCheck: NodeJS.Timeout | null = null;
  #checkingCancels = false;
  /** Per app: the cap's count and the line of jobs waiting for a slot (async-job-queue.ts). */
  readonly #apps = new Map<string, AppJobQueue>();
  /** Webhook notices' own client, made at the first one (`webhookDispatcher`). */
  #webhooks: Dispatcher | null = null;
  /** Per app: its notices in flight and waiting, so one app's slow receiver delays only its own. */
  readonly #webhookLanes: WebhookLanes;
  /** Finished results on disk against their budgets, unless the primary counts them (`reportResult`). */
  readonly #ledger: JobResultLedger | null;
  /** The cap's count (`slots`), and the slot each unfinished job of this process holds. */
  readonly #slots: Admission;
  readonly #held = new Map<string, () => void>();
  /** Apps known to have a webhook secret (`hasWebhookSecret`). */
  readonly #hasSecret: RefreshingCache<boolean>;
  /**
   * Turns to insert a job's row, fair between projects (`JOB_SUBMIT_WRITES`). Waiters need no
   * bound of their own: each holds a reservation of its app's and project's cap of unfinished jobs.
   */
  readonly #writes = new FirstLoadSlots(JOB_SUBMIT_WRITES, JOB_SUBMIT_WAIT_MS, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);

  constructor(private readonly o: AsyncJobsOptions) {
    this.#hasSecret = new RefreshingCache((appId) => o.store.webhookSecret(appId).then((s) => s !== null), {
      refreshMs: WEBHOOK_SECRET_REFRESH_MS,
      maxEntries: 10_000,
      maxMisses: 0,
      isMiss: (has) => !has,
      now: o.now,
      onError: (err) => o.logger.debug({ err }, 'could not re-read an app\'s webhook secret (the last answer stays)'),
    });
    this.#ledger =
      o.reportResult === undefined
        ? new JobResultLedger({ proxyId: o.proxyId, store: o.store, perAppBytes: o.resultBytesPerApp ?? 4 * o.maxResultBytes, totalBytes: o.resultBytesTotal ?? Number.POSITIVE_INFINITY, now: o.now, logger: o.logger })
        : null;
    this.#slots = o.slots ?? new AppLimiter((key) => jobSlotLimitsOf(key, o.maxQueuedOf, this.#projectCap()));
    const perApp = o.webhookQueuePerApp ?? WEBHOOK_QUEUE_PER_APP;
    this.#webhookLanes = new WebhookLanes(WEBHOOKS_PER_PROJECT, perApp, o.webhookQueuePerProject ?? webhookQueuePerProject(0, perApp));
  }

  /** Why `url` cannot be a webhook under this proxy's settings, or null. */
  webhookProblem(url: string): string | null {
    return webhookProblem(url, this.o.webhookAllowInternal === true);
  }

  /** Begin: the proxy's own URL is known, take up unfinished jobs, sweep expired ones. */
  async start(selfUrl: string, recover = true): Promise<void> {
    this.#selfUrl = selfUrl;
    await mkdir(this.o.dir, { recursive: true }).catch((err: unknown) => {
      throw new Error(`jobsDir (PROXY_JOBS_DIR) ${this.o.dir}: cannot make the job results directory: ${unmakeableDirReason(err)}`);
    });
    // Results kept from before the boot count against their budgets too (a cluster's primary loads them).
    await this.#ledger?.loadUntilDone(this.o.recoverBefore);
    if (recover) await this.#recoverAll();
    this.#sweeper = setInterval(() => void this.#sweep(), Math.min(60_000, Math.max(1_000, this.o.retentionMs / 4)));
    this.#sweeper.unref();
    this.#cancelCheck = setInterval(() => void this.#abortCancelledElsewhere(), this.o.cancelCheckMs ?? CANCEL_CHECK_MS);
    this.#cancelCheck.unref();
  }

  /** Aborts the runs here whose jobs another worker or proxy cancelled (`CANCEL_CHECK_MS`). */
  async #abortCancelledElsewhere(): Promise<void> {
    if (this.#running.size === 0 || this.#checkingCancels || this.#stopping) return;
    this.#checkingCancels = true;
    try {
      for (const id of await this.o.store.cancelledAmong([...this.#running.keys()])) {
        this.o.logger.info({ job: id }, 'async job cancelled through another worker or proxy; stopping its run here');
        this.#running.get(id)?.abort.abort();
      }
    } catch (err) {
      // The next check tries again; a run only goes on a little longer.
      this.o.logger.debug({ err }, 'could not check running async jobs for cancels');
    } finally {
      this.#checkingCancels = false;
    }
  }

  /** Stop running (a drain or crash): interrupted jobs stay `running` for the next start to decide. */
  stop(): void {
    this.#stopping = true;
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    if (this.#cancelCheck !== null) clearInterval(this.#cancelCheck);
    this.#ledger?.stop();
    // Waiting jobs stay `queued` in the database: the next start runs them.
    for (const q of this.#apps.values()) q.stop();
    for (const r of this.#running.values()) r.abort.abort();
    // Their jobs stay unfinished in libSQL for the next start, which counts them again.
    for (const release of this.#held.values()) release();
    this.#held.clear();
    void this.#webhooks?.close().catch(() => undefined);
    this.#webhooks = null;
  }

  /** The stored claims when `headers` carry this process's runner credential for a running job. */
  runnerClaims(headers: IncomingHttpHeaders): RoutingClaims | 'bad-credential' | null {
    const raw = headers[RUNNER_HEADER];
    if (raw === undefined) return null;
    const given = Buffer.from(Array.isArray(raw) ? (raw[0] ?? '') : raw);
    if (given.length !== this.#secret.length || !timingSafeEqual(given, this.#secret)) return 'bad-credential';
    const id = headers[JOB_HEADER];
    return (typeof id === 'string' ? this.#running.get(id)?.claims : undefined) ?? 'bad-credential';
  }

  #queue(appId: string): AppJobQueue {
    let q = this.#apps.get(appId);
    if (q === undefined) {
      q = new AppJobQueue((id) => this.#run(appId, id), () => this.o.windowOf(appId));
      this.#apps.set(appId, q);
    }
    return q;
  }

  #projectCap(): number {
    return this.o.maxQueuedPerProject ?? JOB_QUEUE_MAX;
  }

  /**
   * Room for one more job of `appId`, checked before its body is read: a function giving the room
   * back (submit hands it to the job, which holds it until it ends), or the 429 when the app, or
   * its project (all its apps together), has its cap of unfinished jobs on this proxy (all its
   * workers together).
   */
  async reserve(appId: string): Promise<(() => void) | ProxyError> {
    const slots = await this.#take(appId);
    if (typeof slots === 'function') return slots;
    if (slots === 'app') {
      const cap = this.o.maxQueuedOf(appId);
      return new ProxyError('jobs-queue-full', 429, `${appId} already has ${cap} unfinished async jobs on this proxy, its cap (PROXY_JOB_MAX_QUEUED_PER_APP, or when unset 16 × the app's maxConcurrency within 64–1000): submit again once some have finished (poll their status URLs), or ask an operator to raise the cap`, false, QUEUE_FULL_RETRY_S);
    }
    const project = projectOfAppId(appId);
    return new ProxyError('jobs-queue-full', 429, `project ${project} already has ${this.#projectCap()} unfinished async jobs on this proxy, all its apps together: its cap (PROXY_JOB_MAX_QUEUED_PER_PROJECT): submit again once some of the project's jobs have finished (poll their status URLs), or ask an operator to raise the cap`, false, QUEUE_FULL_RETRY_S);
  }

  /** A slot of the app's cap and one of its project's (both or neither), or which cap is full. */
  async #take(appId: string): Promise<(() => void) | 'app' | 'project'> {
    const app = await this.#slots.acquire(jobSlotKey(appId), this.o.now(), 'slot-only');
    if (!app.ok) return 'app';
    const project = await this.#slots.acquire(projectJobSlotKey(projectOfAppId(appId)), this.o.now(), 'slot-only');
    if (!project.ok) {
      app.release();
      return 'project';
    }
    return () => {
      app.release();
      project.release();
    };
  }

  async submit(input: SubmitInput, reservation: () => void = () => undefined): Promise<JobRow> {
    const now = this.o.now();
    const job: JobRow = {
      id: `job_${randomBytes(16).toString('hex')}`,
      appId: input.appId,
      proxyId: this.o.proxyId,
      method: input.method,
      publicPath: input.publicPath,
      headers: input.headers,
      body: input.body,
      claimsJson: JSON.stringify(input.claims),
      retryable: IDEMPOTENT.has(input.method) || input.headers['idempotency-key'] !== undefined,
      status: 'queued',
      attempts: 0,
      resultStatus: null,
      resultType: null,
      resultPath: null,
      resultBytes: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      // Unfinished jobs never expire; the end of a job sets its real retention.
      expiresAt: Number.MAX_SAFE_INTEGER,
      webhookUrl: input.webhookUrl,
    };
    const project = projectOfAppId(job.appId);
    const turn = this.#writes.take(project);
    if (!(turn === true || (await turn))) {
      reservation();
      throw new ProxyError('job-submits-busy', 503, `this proxy's database writes for job submissions are all taken and ${job.appId}'s did not get a turn within ${JOB_SUBMIT_WAIT_MS} ms (the database is slow, or project ${project} submits many jobs at once); retry after ${SUBMITS_BUSY_RETRY_S}s`, false, SUBMITS_BUSY_RETRY_S);
    }
    try {
      await this.o.store.insert(job);
    } catch (err) {
      reservation();
      throw err;
    } finally {
      this.#writes.give(project);
    }
    this.#held.set(job.id, reservation);
    this.#queue(job.appId).add(job.id);
    return job;
  }

  /** True when the job was queued or running and is now cancelled. */
  async cancel(id: string): Promise<boolean> {
    const done = await this.o.store.update(id, ['queued', 'running'], { status: 'cancelled', expiresAt: this.o.now() + this.o.retentionMs }, this.o.now());
    if (done) {
      for (const q of this.#apps.values()) q.forget(id);
      this.#release(id);
      this.#running.get(id)?.abort.abort();
      this.#notify(id);
      // No result is served for a cancelled job: files a crashed earlier run left go too (best
      // effort: the cancel itself is done, and a database blip here must not answer it with 5xx).
      const job = await this.o.store.get(id).catch(() => null);
      if (job !== null) await this.#discardRuns(job.id, job.attempts);
    }
    return done;
  }

  /**
   * Checked on every submit that asks for a webhook, so it must not cost a read each: a burst of
   * such submits (an open app takes them without a token) queued one store read apiece on the
   * client every tenant's leases share. Concurrent checks of an app share one read, and a "yes" is
   * kept (re-read in the background every WEBHOOK_SECRET_REFRESH_MS); a "no" is never kept, so a
   * secret an operator has just created counts at the next submit.
   */
  async hasWebhookSecret(appId: string): Promise<boolean> {
    return this.#hasSecret.get(appId);
  }

  /** The signed completion notice, when the job asked for one (best effort, in the background). */
  #notify(id: string): void {
    // Stopped: its webhook client is closed, and one made now would never be.
    if (this.#stopping) return;
    const send = async (): Promise<void> => {
      const job = await this.o.store.get(id);
      if (job?.webhookUrl === null || job === null) return;
      const secret = await this.o.store.webhookSecret(job.appId);
      if (secret === null) return;
      const allowInternal = this.o.webhookAllowInternal === true;
      const url = job.webhookUrl;
      const sent = await this.#webhookLanes.run(job.appId, async () => {
        // Stopped while it waited its turn: the client is closed.
        if (this.#stopping) return true;
        this.#webhooks ??= webhookDispatcher(allowInternal);
        return deliverWebhook(url, secret, jobView(job), this.#webhooks, () => Math.floor(this.o.now() / 1000), 3, allowInternal);
      });
      if (sent instanceof WebhookDropped) return this.#dropped(job, sent);
      if (!sent) this.o.logger.warn({ job: id }, 'async job webhook not delivered');
    };
    send().catch((err: unknown) => this.o.logger.warn({ err, job: id }, 'async job webhook failed'));
  }

  /** A notice pushed out of its app's full line: counted, and said on the job's status (its owner polls). */
  async #dropped(job: JobRow, why: WebhookDropped): Promise<void> {
    this.o.onWebhookDropped?.(job.appId);
    const knob = why.full === 'app' ? 'its app already had that many notices waiting (PROXY_WEBHOOK_QUEUE_PER_APP)' : "its project's apps together already had that many waiting and its app's line was the longest (PROXY_WEBHOOK_QUEUE_PER_PROJECT)";
    this.o.logger.warn({ job: job.id, app: job.appId, full: why.full, bound: why.bound }, `async job webhook dropped: ${knob}`);
    await this.o.store.update(job.id, FINAL_STATUSES, { webhookDroppedAt: this.o.now() }, this.o.now());
  }

  get(id: string): Promise<JobRow | null> {
    return this.o.store.get(id);
  }

  /** Unfinished jobs page by page, without their bodies (each run reads its own). */
  async #recoverAll(): Promise<void> {
    let after: { createdAt: number; id: string } | null = null;
    for (;;) {
      const page = await this.o.store.unfinished(this.o.proxyId, this.o.recoverBefore, after, RECOVER_PAGE);
      for (const job of page) await this.#recover(job);
      const last = page.at(-1);
      if (last === undefined || page.length < RECOVER_PAGE) return;
      after = { createdAt: last.createdAt, id: last.id };
    }
  }

  async #recover(job: JobRow): Promise<void> {
    if (job.status === 'queued' || (job.retryable && job.attempts < this.o.maxAttempts)) {
      // Runs claim only queued rows: an interrupted one goes back to queued first (once, conditionally).
      if (job.status === 'running' && !(await this.o.store.update(job.id, ['running'], { status: 'queued' }, this.o.now()))) return;
      this.o.logger.info({ job: job.id, attempts: job.attempts }, 'async job taken up after restart');
      // It counts against its app's and project's caps like a new one; past them (a cap was
      // lowered) it runs all the same, uncounted: it was accepted before.
      const slots = await this.#take(job.appId);
      if (typeof slots === 'function') this.#held.set(job.id, slots);
      this.#queue(job.appId).add(job.id);
      return;
    }
    const why = job.retryable ? `interrupted ${job.attempts} times (the limit)` : 'interrupted by a proxy restart; not retried because the request is not idempotent (send an Idempotency-Key to allow a retry)';
    if (!(await this.o.store.update(job.id, ['running'], { status: 'failed', error: why, expiresAt: this.o.now() + this.o.retentionMs }, this.o.now()))) return;
    await this.#discardRuns(job.id, job.attempts);
    this.#notify(job.id);
  }

  /** The job is over: its slot of the app's cap is free. */
  #release(id: string): void {
    this.#held.get(id)?.();
    this.#held.delete(id);
  }

  /**
   * Deletes the result files of a job's runs 1..`upTo`: the partial answers of runs a
   * crash interrupted (no catch ran to delete them; no row points at them, so no budget counts
   * them). Called once the job has ended, so no run of it still needs its file: a run that is
   * still going elsewhere loses its final update anyway and only writes to a deleted file.
   */
  async #discardRuns(id: string, upTo: number): Promise<void> {
    for (let n = 1; n <= upTo; n++) await unlink(resultFile(this.o.dir, id, n)).catch(() => undefined);
  }

  /** One run of a job; a "try later" puts it back in its app's line, anything else ends it there. */
  #run(appId: string, id: string): void {
    const q = this.#queue(appId);
    this.#attempt(id).then(
      (retryInMs) => {
        if (this.#stopping) return;
        if (retryInMs === null) {
          q.ended(id);
          this.#release(id);
        } else q.refused(id, retryInMs);
      },
      (err: unknown) => {
        this.o.logger.warn({ err, job: id }, 'async job bookkeeping failed; trying again');
        if (this.#stopping) return;
        // Its row is still queued (or running, which the next start decides): dropping it from the
        // line would leave it there unrun until a restart.
        q.refused(id, BOOKKEEPING_RETRY_MS);
      },
    );
  }

  /** Milliseconds until the job may try again ("try later"), or null when this run ended it. */
  async #attempt(id: string): Promise<number | null> {
    // Read now, not kept from submit: a waiting job holds no body in memory.
    const job = await this.o.store.get(id);
    if (job === null || job.status !== 'queued' || this.#stopping) return null;
    // Exclusive: only a queued row is claimed, so a second start of the same job is a no-op.
    const started = await this.o.store.update(job.id, ['queued'], { status: 'running', attempts: job.attempts + 1 }, this.o.now());
    if (!started || this.#stopping) return null;
    const abort = new AbortController();
    this.#running.set(job.id, { claims: JSON.parse(job.claimsJson) as RoutingClaims, abort });
    const path = resultFile(this.o.dir, job.id, job.attempts + 1);
    try {
      const res = await request(`${this.#selfUrl}${job.publicPath}`, {
        method: job.method as Dispatcher.HttpMethod,
        headers: { ...job.headers, [RUNNER_HEADER]: this.#secret.toString(), [JOB_HEADER]: job.id },
        body: job.body === null ? null : Buffer.from(job.body),
        signal: abort.signal,
        dispatcher: this.o.dispatcher,
      });
      const retryInMs = await this.#requeued(job, res);
      if (retryInMs !== undefined) return retryInMs;
      const bytes = await this.#store(res.body, path);
      const type = res.headers['content-type'];
      const finished = await this.o.store.update(job.id, ['running'], {
        status: 'completed',
        resultStatus: res.statusCode,
        resultType: typeof type === 'string' ? type : null,
        resultPath: path,
        resultBytes: bytes,
        expiresAt: this.o.now() + this.o.retentionMs,
      }, this.o.now());
      if (!finished) {
        // Cancelled meanwhile, or another attempt (a recovery elsewhere) ended the job first: this
        // file is this attempt's own, so deleting it never touches the result the owner reads.
        await unlink(path).catch(() => undefined);
        return null;
      }
      await this.#retain(job.appId, { id: job.id, path, bytes, expiresAt: this.o.now() + this.o.retentionMs });
      await this.#discardRuns(job.id, job.attempts);
      this.#notify(job.id);
      return null;
    } catch (err) {
      // The partial answer is no one's result, whatever happens next: the next run writes its own file.
      await unlink(path).catch(() => undefined);
      // Going away: leave the job `running`; the next start retries it or fails it, by its rule.
      if (this.#stopping) return null;
      const error = err instanceof ResultTooLarge ? `the result exceeds ${this.o.maxResultBytes} bytes (PROXY_JOB_MAX_RESULT_BYTES)` : runFailure(err);
      if (!(err instanceof ResultTooLarge)) this.o.logger.warn({ err, job: job.id, app: job.appId }, 'async job run failed');
      if (!(await this.o.store.update(job.id, ['running'], { status: 'failed', error, expiresAt: this.o.now() + this.o.retentionMs }, this.o.now()))) return null;
      await this.#discardRuns(job.id, job.attempts);
      this.#notify(job.id);
      return null;
    } finally {
      this.#running.delete(job.id);
    }
  }

  /**
   * "Try later" answers (the proxy's own limits, a drain, an engine shedding load) put the job
   * back in the queue, its attempt not counted (attempts bound interrupted runs, not refusals).
   */
  async #requeued(job: JobRow, res: Dispatcher.ResponseData): Promise<number | null | undefined> {
    const now = this.o.now();
    const delay = requeueDelayMs({ status: res.statusCode, retryAfter: res.headers['retry-after'], createdAt: job.createdAt, now, maxWaitMs: this.o.maxWaitMs, random: Math.random() });
    if (delay === null) return undefined;
    await res.body.dump();
    // Not queued again (cancelled meanwhile): the job is over.
    if (!(await this.o.store.update(job.id, ['running'], { status: 'queued', attempts: job.attempts }, now))) return null;
    this.o.logger.info({ job: job.id, status: res.statusCode, waitMs: delay }, 'async job refused for now; queued again');
    return delay;
  }

  /** Streams the answer to `path`, refusing beyond the size bound; returns its length. */
  async #store(body: NodeJS.ReadableStream, path: string): Promise<number> {
    let bytes = 0;
    const max = this.o.maxResultBytes;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb(bytes > max ? new ResultTooLarge() : null, chunk);
      },
    });
    await pipeline(body, count, createWriteStream(path));
    return bytes;
  }

  /** Counts a kept result where this proxy counts them: here, or at the primary. Never throws. */
  async #retain(appId: string, result: RetainedResult): Promise<void> {
    if (this.#ledger !== null) return this.#ledger.add(appId, result);
    try {
      this.o.reportResult?.(appId, result);
    } catch (err) {
      this.o.logger.warn({ err, job: result.id }, 'could not report an async job result to the primary');
    }
  }

  async #sweep(): Promise<void> {
    try {
      this.#ledger?.expire(this.o.now());
      for (const file of await this.o.store.expire(this.o.now())) await unlink(file).catch(() => undefined);
    } catch (err) {
      this.o.logger.warn({ err }, 'could not expire async jobs');
    }
  }
}
