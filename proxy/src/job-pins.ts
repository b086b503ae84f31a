/**
 * Pinned jobs at the proxy. The proxy writes the pin (libSQL `job_pins`) when a job's answer
 * begins — a 2xx/3xx head or a WebSocket 101 — because only it knows the replica that took the
 * job and that it really started: a refused or failed attempt pins nothing, and the token's
 * fallback walk may have moved the job off the edge's first choice. The edge reads the pins in
 * its snapshot and routes the job's next requests to that cluster; here, the pin's replica is
 * preferred while it is usable. Pins slide: every answered request with the key extends it.
 *
 * Keys are client data: only `hashJobKey`'s hash (same function as the edge, node:crypto here
 * for a synchronous hash) is kept, stored or logged.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { jobKeyDigestInput, readJobKey } from '../../shared/domain/job-key.ts';
import { WriteBuffer } from '../../shared/batching/write-buffer.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { ProxyError } from './errors.ts';
import { STORE_CALL_DEADLINE_MS, withDeadline } from './store-deadline.ts';
import type { ProxyRuntime } from './runtime.ts';

export interface JobPinRow {
  readonly appId: string;
  readonly keyHash: string;
  readonly clusterId: string;
  readonly endpoint: string | null;
  readonly proxyId: string;
  readonly expiresAt: number;
  readonly updatedAt: number;
}

/** A pin as stored, with the database's change sequence (migration 23). */
export type StoredJobPin = JobPinRow & { readonly seq: number };

/** One page of pins changed after a seq; `nextSeq` is where the next read starts. */
export interface JobPinPage {
  readonly rows: readonly StoredJobPin[];
  readonly nextSeq: number;
  /** The page was full: more changed pins wait after `nextSeq`. */
  readonly more: boolean;
  /** The store's latest change number: below this proxy's cursor only if the numbering was reset. */
  readonly top: number;
}

/** The store's side of pins (libsqlProxyStore implements it). */
export interface JobPinStore {
  upsertJobPins(rows: readonly JobPinRow[]): Promise<void>;
  /** Live pins of these clusters changed after `afterSeq`, in change order, at most `limit`. */
  loadJobPins(clusterIds: readonly string[], now: number, afterSeq: number, limit: number): Promise<JobPinPage>;
  /** Drop these clusters' expired pins: every distinct key adds a row, so the table must shrink too. */
  pruneJobPins(clusterIds: readonly string[], now: number): Promise<void>;
}

/**
 * Pins one proxy keeps in memory: bounds memory whatever clients send. When full, the project
 * holding the most pins loses the oldest of its app holding the most: one tenant's flood of new
 * keys cannot push out another's pins, however many apps it floods through (by app alone, a
 * project of 20 apps held 20 shares), nor one app's flood its sibling apps'.
 */
const MAX_PINS = 50_000;

/** Longest a sliding pin goes without a store write (`updatedAt` is the last write's time). */
const STORE_EVERY_MS = 60_000;

/** Changed pins read per query, and queries per refresh (a cold start catches up over a few refreshes). */
const PAGE = 5_000;
const PAGES_PER_REFRESH = 10;

/** Expired rows are deleted this often, not on every 2 s refresh. */
const PRUNE_EVERY_MS = 60_000;

/** Pin writes buffered while libSQL is slow or down; per-project fair drop when full (WriteBuffer `key`). */
const WRITE_BUFFER = { max: 10_000, batch: 500, baseBackoffMs: 1_000, maxBackoffMs: 30_000 } as const;

/** What a drain's last write left behind: those jobs lose their replica after the hand-off. */
export interface PinsNotWritten {
  /** Pins still buffered (or their write unanswered) when the drain's wait ended. */
  readonly unwritten: number;
  /** Pins dropped since start because the buffer was full (libSQL slow or down). */
  readonly dropped: number;
}

export type JobKey = { readonly ok: true; readonly hash: string | null } | { readonly ok: false; readonly error: ProxyError };

/** The request's job key hash (null: the app has no job key header, or none was sent). */
export function jobKeyOf(headers: IncomingHttpHeaders, appId: string, header: string | null): JobKey {
  const raw = header === null ? undefined : headers[header];
  const read = readJobKey(header, Array.isArray(raw) ? raw.join(', ') : raw);
  if (!read.ok) return { ok: false, error: new ProxyError('client-invalid', 400, `invalid job key: ${read.problem}`) };
  const value = read.key;
  if (value === null) return { ok: true, hash: null };
  return { ok: true, hash: createHash('sha256').update(jobKeyDigestInput(appId, value)).digest('hex') };
}

/** One project's pins: how many, and its apps' (the same maps as `byApp`). */
interface ProjectPins {
  n: number;
  readonly apps: Map<string, Map<string, JobPinRow>>;
}

export class JobPins {
  /** Per app, its pins in recency order (Map order: re-inserting moves a pin to the end). */
  private readonly byApp = new Map<string, Map<string, JobPinRow>>();
  /** Per project (the tenant), its apps' pins: whom a full memory takes from. */
  private readonly byProject = new Map<string, ProjectPins>();
  private count = 0;
  private readonly writes = new WriteBuffer<JobPinRow>({ ...WRITE_BUFFER, key: (r) => projectOfAppId(r.appId) });
  private flushing: Promise<void> | null = null;
  /** The write retry armed after a failure (a drain cancels it and writes at once). */
  private retry: NodeJS.Timeout | null = null;
  /** Rows of the write in flight. */
  private writingRows = 0;
  private refreshing: Promise<void> | null = null;
  /** The store's seq this proxy has read up to (0: nothing read yet). */
  private seq = 0;
  private prunedAt = -Infinity;

  constructor(
    private readonly store: JobPinStore | null,
    private readonly proxyId: string,
    private readonly onError: (err: unknown) => void,
    private readonly max: number = MAX_PINS,
    /** Each store call's deadline (tests shorten it). */
    private readonly deadlineMs: number = STORE_CALL_DEADLINE_MS,
  ) {}

  get size(): number {
    return this.count;
  }

  /** The live pin of this key, if any. */
  get(appId: string, keyHash: string, now: number): JobPinRow | null {
    const pin = this.byApp.get(appId)?.get(keyHash);
    return pin !== undefined && pin.expiresAt > now ? pin : null;
  }

  /** A job's answer began on this replica: pin (or extend) it, here and in the store. */
  record(appId: string, keyHash: string, clusterId: string, endpoint: string, pinMs: number, now: number): void {
    // A busy job re-pins the same replica on every request: slide it here, and write the store
    // only every quarter pin time (at most a minute) so the store's pin never falls far behind.
    const had = this.byApp.get(appId)?.get(keyHash);
    if (had !== undefined && had.proxyId === this.proxyId && had.clusterId === clusterId && had.endpoint === endpoint &&
        had.expiresAt > now && now - had.updatedAt < Math.min(pinMs / 4, STORE_EVERY_MS)) {
      this.remember({ ...had, expiresAt: now + pinMs });
      return;
    }
    const row: JobPinRow = { appId, keyHash, clusterId, endpoint, proxyId: this.proxyId, expiresAt: now + pinMs, updatedAt: now };
    this.remember(row);
    if (this.store === null) return;
    this.writes.push(row);
    this.flushing ??= this.flush();
  }

  /** Resolves once the pins recorded so far were written (or their write failed and waits to retry). */
  async settled(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  /**
   * A drain's last write: every buffered pin now, even while a retry backoff runs (its timer is
   * cancelled). Without it the pins recorded just before a drain die with this process, and the
   * next process routes their jobs' next requests anywhere. Waits at most `waitMs` (a hung store
   * must not hold the drain) and one failed write ends it; returns what was left unwritten.
   */
  async flushNow(waitMs: number): Promise<PinsNotWritten> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    const last = (async () => {
      await this.settled(); // a write in flight ends first (bounded by its deadline)
      this.cancelRetry();
      this.writes.retryNow();
      this.flushing ??= this.flush();
      await this.settled();
    })();
    await Promise.race([last, waited]).finally(() => clearTimeout(timer));
    return { unwritten: this.writes.size + this.writingRows, dropped: this.writes.stats().dropped };
  }

  private cancelRetry(): void {
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
  }

  /**
   * Pins other proxy processes wrote (e.g. this proxy's previous process, before a drain): only
   * those changed since the last read. A refresh still running makes the next one a no-op.
   */
  refresh(clusterIds: readonly string[], now: number): Promise<void> {
    this.refreshing ??= this.load(clusterIds, now).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async load(clusterIds: readonly string[], now: number): Promise<void> {
    if (this.store === null || clusterIds.length === 0) return;
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      await withDeadline(this.store.pruneJobPins(clusterIds, now), this.deadlineMs, 'job pin prune');
      this.prunedAt = now;
    }
    for (let i = 0; i < PAGES_PER_REFRESH; i++) {
      let page = await this.page(clusterIds, now, this.seq);
      // The store numbers changes below what was read here (a database restored, or one where
      // v23 reused numbers after a prune): read everything again rather than miss pins for good.
      if (page.top < this.seq) {
        this.seq = 0;
        page = await this.page(clusterIds, now, 0);
      }
      for (const row of page.rows) {
        const { seq: _, ...pin } = row;
        const mine = this.get(pin.appId, pin.keyHash, -Infinity);
        if (mine === null || mine.updatedAt < pin.updatedAt) this.remember(pin);
      }
      this.seq = page.nextSeq;
      if (!page.more) break;
    }
    this.dropExpired(now);
  }

  private page(clusterIds: readonly string[], now: number, afterSeq: number): Promise<JobPinPage> {
    if (this.store === null) return Promise.resolve({ rows: [], nextSeq: afterSeq, more: false, top: afterSeq });
    return withDeadline(this.store.loadJobPins(clusterIds, now, afterSeq, PAGE), this.deadlineMs, 'job pin read');
  }

  private dropExpired(now: number): void {
    for (const [appId, pins] of this.byApp) {
      for (const [k, p] of pins) if (p.expiresAt <= now) this.forget(appId, pins, k);
    }
  }

  /** Writes buffered pins, one batch in flight; after a failure, waits out the buffer's backoff. */
  private async flush(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve)); // this tick's pins share one batch
    try {
      for (let rows = this.writes.begin(Date.now()); rows !== null; rows = this.writes.begin(Date.now())) {
        this.writingRows = rows.length;
        try {
          // A write past its deadline counts as failed: its rows go back (bounded) and are retried
          // after the backoff; the upsert keeps the newest pin if the late one lands after all.
          if (this.store !== null) await withDeadline(this.store.upsertJobPins(rows), this.deadlineMs, 'job pin write');
          this.writes.succeeded(rows);
        } catch (err) {
          const delay = this.writes.failed(rows, Date.now(), Math.random());
          this.onError(err);
          // +1 ms: a timer may fire a millisecond before the backoff's Date.now() deadline, and a
          // retry that finds the buffer still backing off would arm nothing.
          this.retry = setTimeout(() => {
            this.retry = null;
            this.flushing ??= this.flush();
          }, delay + 1);
          this.retry.unref();
          return;
        } finally {
          this.writingRows = 0;
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private remember(row: JobPinRow): void {
    let pins = this.byApp.get(row.appId);
    const project = pins === undefined ? this.projectOf(row.appId) : null;
    if (pins === undefined) {
      this.byApp.set(row.appId, (pins = new Map()));
      project?.apps.set(row.appId, pins);
    }
    // Re-insert: Map order is recency, the oldest go first.
    if (!pins.delete(row.keyHash)) {
      this.count++;
      (project ?? this.projectOf(row.appId)).n++;
    }
    pins.set(row.keyHash, row);
    if (this.count > this.max) this.evictFromHeaviest();
  }

  private projectOf(appId: string): ProjectPins {
    const id = projectOfAppId(appId);
    let p = this.byProject.get(id);
    if (p === undefined) this.byProject.set(id, (p = { n: 0, apps: new Map() }));
    return p;
  }

  /** Drops one pin of `appId`, and the app's and project's entries once they hold none. */
  private forget(appId: string, pins: Map<string, JobPinRow>, keyHash: string): void {
    if (!pins.delete(keyHash)) return;
    this.count--;
    const id = projectOfAppId(appId);
    const project = this.byProject.get(id);
    if (project !== undefined) project.n--;
    if (pins.size === 0) {
      this.byApp.delete(appId);
      project?.apps.delete(appId);
    }
    if (project !== undefined && project.n === 0) this.byProject.delete(id);
  }

  /**
   * Drops the oldest pin of the heaviest project's heaviest app: O(projects + that project's
   * apps), paid only when full.
   */
  private evictFromHeaviest(): void {
    let heaviest: ProjectPins | null = null;
    for (const p of this.byProject.values()) if (heaviest === null || p.n > heaviest.n) heaviest = p;
    let pins: Map<string, JobPinRow> | null = null;
    let appId = '';
    for (const [a, m] of heaviest?.apps ?? []) if (pins === null || m.size > pins.size) [pins, appId] = [m, a];
    const oldest = pins?.keys().next();
    if (pins === null || oldest === undefined || oldest.done === true) return;
    this.forget(appId, pins, oldest.value);
  }
}

/** The pinned replica of this request's job, when it is among the usable candidates. */
export function pinnedEndpoint<E extends { readonly url: string }>(
  rt: ProxyRuntime,
  appId: string,
  clusterId: string,
  headers: IncomingHttpHeaders,
  candidates: readonly E[],
): E | null {
  const key = jobKeyOf(headers, appId, rt.registry.routing(appId).requests.jobKeyHeader);
  if (!key.ok || key.hash === null) return null;
  const pin = rt.jobPins.get(appId, key.hash, rt.now());
  if (pin === null || pin.clusterId !== clusterId || pin.endpoint === null) return null;
  return candidates.find((e) => e.url === pin.endpoint) ?? null;
}

/** A job's answer began (a non-failing head or a WebSocket 101): pin its cluster and replica. */
export function recordJobPin(
  rt: ProxyRuntime,
  target: { readonly appId: string; readonly jobKeyHash?: string | null },
  attempt: { readonly clusterId: string; readonly endpoint: { readonly url: string } },
  status: number,
): void {
  if (target.jobKeyHash === null || target.jobKeyHash === undefined || status >= 400) return;
  const pinMs = rt.registry.routing(target.appId).requests.jobPinSeconds * 1000;
  rt.jobPins.record(target.appId, target.jobKeyHash, attempt.clusterId, attempt.endpoint.url, pinMs, rt.now());
}
