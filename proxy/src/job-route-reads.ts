/**
 * What the job routes (`GET|DELETE /_switchyard/jobs/<id>`) may ask of libSQL. They take no token
 * (the id is the capability), and each lookup used to go straight to the store client, whose 20
 * request slots (store-client.ts) also carry every tenant's limit and token leases, outcome writes
 * and job submissions: one client sending made-up ids, or polling hard, while the database was
 * slow held them all. So:
 *
 * - lookups hold at most `slots` store requests at once (PROXY_JOB_ROUTE_READS), fairly between
 *   client addresses (store-read-share.ts); past that the answer is a 429 (this address's share)
 *   or 503 (the whole share) with Retry-After, at once — never a wait in the store's queue;
 * - concurrent lookups of one id share one read, without a slot of their own;
 * - an id found unknown is answered from memory for a few seconds: a job id is known to a client
 *   only from the 202 that follows its row's insert, so an unknown id does not become a job later
 *   (kept short all the same, for a database read from a replica that may lag the insert);
 * - a lookup waits at most `deadlineMs` for its answer (503 `job-store-unavailable`), and keeps
 *   its slot until the store call itself ends, so a hung database cannot take more than the share.
 */
import { clientAddressKey } from './client-address-key.ts';
import { clientAddress, NO_TRUSTED_PROXIES, type TrustedProxies } from './trusted-proxies.ts';
import type { JobRow } from './async-job-store.ts';
import type { AsyncJobs } from './async-jobs.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { ProxyError } from './errors.ts';
import { overBudget, type InFlightBudget } from './in-flight-budget.ts';
import { jobStoreUnavailable } from './job-store-unavailable.ts';
import { STORE_CALL_DEADLINE_MS, StoreDeadlineError, withDeadline } from './store-deadline.ts';
import { StoreReadShare, type ShareRefusal } from './store-read-share.ts';

/** How long an unknown id is answered from memory: long enough to absorb a polling loop, short enough for a lagging replica. */
const UNKNOWN_TTL_MS = 5_000;
/** Unknown ids remembered at most (oldest first out): a flood of made-up ids costs at most this much memory. */
const MAX_UNKNOWN = 10_000;
/** Retry-After of a refusal by the share: a lookup takes milliseconds, so a second is plenty. */
const BUSY_RETRY_S = 1;
/**
 * Result downloads one app may have open at once at this process. Each holds a socket, a file
 * descriptor and, once retention deletes the result, its disk blocks until it ends: one client
 * pausing hundreds of downloads of a finished job ran the proxy out of descriptors for every
 * tenant, and kept evicted results' bytes outside the result budgets (audit, session 32).
 */
export const JOB_DOWNLOADS_PER_APP = 4;

export interface JobRouteReadsOptions {
  /** Store requests in flight at once for the job routes, per process (PROXY_JOB_ROUTE_READS, default 4 of STORE_CONCURRENCY's 20). */
  readonly slots: number;
  readonly now: () => number;
  /** Longest a lookup waits for libSQL (default: the background loops' STORE_CALL_DEADLINE_MS). */
  readonly deadlineMs?: number;
  /** A lookup passed its deadline (the metric). */
  readonly onDeadline?: (call: string) => void;
  /** Peers believed about X-Forwarded-For (PROXY_TRUSTED_PROXIES); none: the socket's address. */
  readonly trustedProxies?: TrustedProxies;
  /** This process's in-flight budget: a result download holds a unit of it, like any request. */
  readonly budget?: Pick<InFlightBudget, 'acquire'>;
  /** Result downloads open at once per app (default JOB_DOWNLOADS_PER_APP). */
  readonly downloadsPerApp?: number;
}

export interface Cancelled {
  /** It was queued or running and is now cancelled. */
  readonly cancelled: boolean;
  /** The row after the cancel; null when there is no such job. */
  readonly job: JobRow | null;
}

export class JobRouteReads {
  readonly #share: StoreReadShare;
  readonly #reading = new Map<string, Promise<JobRow | null>>();
  /** Unknown ids → when they stop being answered from memory. */
  readonly #unknown = new Map<string, number>();
  /** App → result downloads open now. */
  readonly #downloads = new Map<string, number>();

  constructor(
    private readonly jobs: Pick<AsyncJobs, 'get' | 'cancel'>,
    private readonly o: JobRouteReadsOptions,
  ) {
    this.#share = new StoreReadShare(o.slots);
  }

  /** The fairness key of the caller: its address (a trusted balancer's X-Forwarded-For), IPv6 by /64. */
  clientOf(remote: string | undefined, forwardedFor: string | string[] | undefined): string {
    return clientAddressKey(clientAddress(this.o.trustedProxies ?? NO_TRUSTED_PROXIES, remote, forwardedFor));
  }

  /** The job's row, null when there is none, or the refusal to answer with. */
  async get(id: string, client: string): Promise<JobRow | null | ProxyError> {
    if (this.#isUnknown(id)) return null;
    let read = this.#reading.get(id);
    if (read === undefined) {
      const slot = this.#share.acquire(client);
      if (typeof slot !== 'function') return this.#refusal(slot);
      read = this.#held(slot, this.jobs.get(id)).then((row) => this.#remember(id, row));
      this.#reading.set(id, read);
      const done = (): void => void this.#reading.delete(id);
      read.then(done, done);
    }
    return this.#answer(read, 'status');
  }

  /** Cancels the job (`AsyncJobs.cancel`) and reads it back, or the refusal to answer with. */
  async cancel(id: string, client: string): Promise<Cancelled | ProxyError> {
    if (this.#isUnknown(id)) return { cancelled: false, job: null };
    const slot = this.#share.acquire(client);
    if (typeof slot !== 'function') return this.#refusal(slot);
    const work = (async (): Promise<Cancelled> => {
      const cancelled = await this.jobs.cancel(id);
      return { cancelled, job: this.#remember(id, await this.jobs.get(id)) };
    })();
    return this.#answer(this.#held(slot, work), 'cancel');
  }

  /**
   * Admits one download of `appId`'s job result: its release (call it when the answer closes;
   * once is enough, twice is harmless), or the refusal to answer with.
   */
  download(appId: string): (() => void) | ProxyError {
    const open = this.#downloads.get(appId) ?? 0;
    const max = this.o.downloadsPerApp ?? JOB_DOWNLOADS_PER_APP;
    if (open >= max) {
      return new ProxyError('job-downloads-limited', 429, `${appId} already has ${open} job result downloads open at this proxy (at most ${max} at once); retry after ${BUSY_RETRY_S}s, when one has finished`, false, BUSY_RETRY_S);
    }
    const project = projectOfAppId(appId);
    const hold = this.o.budget?.acquire(project, appId) ?? null;
    if (typeof hold === 'string') return overBudget(project, appId, hold);
    this.#downloads.set(appId, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      hold?.free();
      const left = (this.#downloads.get(appId) ?? 1) - 1;
      if (left > 0) this.#downloads.set(appId, left);
      else this.#downloads.delete(appId);
    };
  }

  /** `work`, its slot given back when the store call itself ends (not at our deadline). */
  #held<T>(slot: () => void, work: Promise<T>): Promise<T> {
    work.then(slot, slot);
    return work;
  }

  async #answer<T>(work: Promise<T>, call: 'status' | 'cancel'): Promise<T | ProxyError> {
    const ms = this.o.deadlineMs ?? STORE_CALL_DEADLINE_MS;
    try {
      return await withDeadline(work, ms, `job ${call} lookup`);
    } catch (err) {
      const timedOut = err instanceof StoreDeadlineError;
      if (timedOut) this.o.onDeadline?.(err.call);
      const why = timedOut ? `no answer within ${ms} ms` : 'it failed';
      const hint = call === 'cancel' ? ": the cancel may have been applied, GET the job's status before trying again" : '';
      return jobStoreUnavailable(call === 'cancel' ? 'the cancel could not be confirmed' : 'the job could not be read', why, hint);
    }
  }

  #refusal(why: ShareRefusal): ProxyError {
    return why === 'over-share'
      ? new ProxyError('job-lookups-over-share', 429, `this client address already has its share of this proxy's ${this.o.slots} concurrent job lookups in flight; retry after ${BUSY_RETRY_S}s, and poll fewer jobs at once (a webhook, x-switchyard-webhook, needs no polling)`, false, BUSY_RETRY_S)
      : new ProxyError('job-lookups-busy', 503, `this proxy is already answering ${this.o.slots} job lookups at once (PROXY_JOB_ROUTE_READS, a share of its database connections kept apart from request traffic); retry after ${BUSY_RETRY_S}s`, false, BUSY_RETRY_S);
  }

  #isUnknown(id: string): boolean {
    const until = this.#unknown.get(id);
    if (until === undefined) return false;
    if (this.o.now() < until) return true;
    this.#unknown.delete(id);
    return false;
  }

  #remember(id: string, row: JobRow | null): JobRow | null {
    if (row !== null) return row;
    this.#unknown.delete(id);
    this.#unknown.set(id, this.o.now() + UNKNOWN_TTL_MS);
    if (this.#unknown.size > MAX_UNKNOWN) {
      const oldest = this.#unknown.keys().next();
      if (oldest.done !== true) this.#unknown.delete(oldest.value);
    }
    return null;
  }
}
