/**
 * Per-app limits of a proxy with several worker processes (node:cluster, cluster-primary.ts):
 * the PRIMARY is the proxy's one limiter and, for shared limits, its one lease holder (holder id
 * = the proxy id, as for a single process). A worker asks it per admission over the cluster IPC
 * channel and hands the slot back when the request ends, so the workers together count exactly
 * as one process does: no per-worker split (a worker never refuses while a sibling is idle) and
 * no extra lease holders (the bound between proxies is the single-process one, 0 extra between
 * workers). Keys without limits never leave the worker. The primary knows which worker holds
 * which slot and frees them all when that worker dies.
 *
 * Cost: one IPC round trip per admission of a limited app (BENCHMARKS.md, "Admission through the
 * primary"); a single-process proxy never takes this path (AppLimiter stays synchronous).
 */
import type { Worker } from 'node:cluster';
import type { AppLimits } from '../../shared/domain/types.ts';
import { AppLimiter, type Admission, type LimitCharge, type LimitVerdict } from './app-limits.ts';
import { LimitLeases, scopeKey } from './limit-leases.ts';
import { firstClaimAdmission } from './first-claim-admission.ts';
import type { LimitLeaseStore } from './limit-lease-store.ts';

/** Worker → primary and primary → worker limit messages (`sy` marks ours among other IPC). */
export type LimitMessage =
  | { readonly sy: 'lim-acquire'; readonly id: number; readonly key: string; readonly charge: LimitCharge; readonly limits: AppLimits }
  | { readonly sy: 'lim-release'; readonly id: number }
  | { readonly sy: 'lim-keys'; readonly keys: ReadonlyArray<readonly [string, AppLimits]> }
  | { readonly sy: 'lim-verdict'; readonly id: number; readonly ok: true }
  | { readonly sy: 'lim-verdict'; readonly id: number; readonly ok: false; readonly code: 'rate-limited' | 'concurrency-limited'; readonly retryAfterS: number };

const isLimitMessage = (m: unknown): m is LimitMessage =>
  typeof m === 'object' && m !== null && typeof (m as { sy?: unknown }).sy === 'string' && (m as { sy: string }).sy.startsWith('lim-');

const unlimited = (l: AppLimits): boolean => l.maxConcurrency === null && l.maxRps === null;

/** What a worker needs of the IPC channel (process itself; injectable for tests). */
export interface WorkerChannel {
  connected(): boolean;
  send(m: LimitMessage): void;
  onMessage(f: (m: unknown) => void): void;
  onDisconnect(f: () => void): void;
}

/** This worker process's IPC channel to its primary. */
export function processChannel(): WorkerChannel {
  return {
    connected: () => process.connected,
    send: (m) => void process.send?.(m),
    onMessage: (f) => void process.on('message', f),
    onDisconnect: (f) => void process.on('disconnect', f),
  };
}

/** One id space per process: several admissions (request limits, job caps) share the channel. */
let nextAcquireId = 1;

const PRIMARY_GONE: LimitVerdict = { ok: false, code: 'concurrency-limited', retryAfterS: 1 };

/** A worker's admission: limited keys through the primary, unlimited ones locally with no IPC. */
export function workerAdmission(limitsOf: (key: string) => AppLimits, channel: WorkerChannel): Admission & { reportKeys(keys: ReadonlyArray<readonly [string, AppLimits]>): void } {
  const pending = new Map<number, { key: string; resolve: (v: LimitVerdict) => void }>();
  const held = new Map<string, number>();
  let lastKeys = '';
  const count = (key: string, d: number): void => {
    const n = (held.get(key) ?? 0) + d;
    if (n === 0) held.delete(key);
    else held.set(key, n);
  };
  const send = (m: LimitMessage): void => {
    // A worker whose primary is gone is draining; nothing to return slots to.
    if (channel.connected()) channel.send(m);
  };
  channel.onMessage((m: unknown) => {
    if (!isLimitMessage(m) || m.sy !== 'lim-verdict') return;
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    if (!m.ok) {
      p.resolve({ ok: false, code: m.code, retryAfterS: m.retryAfterS });
      return;
    }
    count(p.key, 1);
    let released = false;
    p.resolve({
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        count(p.key, -1);
        send({ sy: 'lim-release', id: m.id });
      },
    });
  });
  channel.onDisconnect(() => {
    for (const p of pending.values()) p.resolve(PRIMARY_GONE);
    pending.clear();
  });
  return {
    inFlight: (key) => held.get(key) ?? 0,
    acquire(key, _now, charge = 'both'): LimitVerdict | Promise<LimitVerdict> {
      const limits = limitsOf(key);
      if (unlimited(limits)) return { ok: true, release: () => undefined };
      if (!channel.connected()) return PRIMARY_GONE;
      const id = nextAcquireId++;
      return new Promise<LimitVerdict>((resolve) => {
        pending.set(id, { key, resolve });
        channel.send({ sy: 'lim-acquire', id, key, charge, limits });
      });
    },
    /** The limited keys for the primary's lease renewals (sent when they change). */
    reportKeys(keys) {
      const text = JSON.stringify(keys);
      if (text === lastKeys) return;
      lastKeys = text;
      send({ sy: 'lim-keys', keys });
    },
  };
}

export interface PrimaryLimitsDeps {
  readonly proxyId: string;
  readonly region: string;
  readonly leaseIntervalMs: number;
  /** libSQL for shared limits; null: every limit counted by this proxy alone. */
  readonly store: LimitLeaseStore | null;
  readonly now: () => number;
  readonly onLeaseError: (err: unknown) => void;
}

/** The primary's side: one AppLimiter (and LimitLeases) for the whole proxy. */
export class PrimaryLimits {
  /** The limits of every key the workers reported (lease renewals need them all). */
  private readonly known = new Map<string, AppLimits>();
  private readonly grants = new Map<Worker, Map<number, () => void>>();
  private readonly leases: LimitLeases | null;
  private readonly limiter: Admission;

  constructor(private readonly d: PrimaryLimitsDeps) {
    this.leases =
      d.store === null
        ? null
        : new LimitLeases({
            store: d.store,
            proxyId: d.proxyId,
            region: d.region,
            intervalMs: d.leaseIntervalMs,
            now: d.now,
            limitedApps: () => [...this.known],
            inFlight: (key) => this.limiter.inFlight(key),
          });
    const leases = this.leases;
    const limitsOf = (key: string): AppLimits => this.known.get(key) ?? { maxConcurrency: null, maxRps: null };
    const local = new AppLimiter(
      (key, t) => {
        const limits = limitsOf(key);
        return leases !== null && scopeKey(limits, d.region) !== null ? leases.effective(key, limits, t) : limits;
      },
      leases === null ? undefined : (key, verdict) => leases.observe(key, verdict),
    );
    this.limiter = leases === null ? local : firstClaimAdmission(local, leases, limitsOf, d.now);
  }

  /** First renewal (the workers have reported their keys), then one every interval. */
  async start(): Promise<void> {
    await this.leases?.renewOnce().catch(this.d.onLeaseError);
    this.leases?.start(this.d.onLeaseError);
  }

  stop(): void {
    this.leases?.stop();
  }

  inFlight(key: string): number {
    return this.limiter.inFlight(key);
  }

  /** Handles one message from `worker`; false when it is not a limit message. */
  handle(worker: Worker, m: unknown): boolean {
    if (!isLimitMessage(m)) return false;
    if (m.sy === 'lim-keys') {
      const before = JSON.stringify([...this.known]);
      // The latest report is the registry: an app whose limits went away stops being leased.
      this.known.clear();
      for (const [k, l] of m.keys) this.known.set(k, l);
      // A new limited key gets its lease now rather than at the next interval.
      if (this.leases !== null && JSON.stringify([...this.known]) !== before) this.leases.renewOnce().catch(this.d.onLeaseError);
    } else if (m.sy === 'lim-acquire') {
      this.known.set(m.key, m.limits);
      const v = this.limiter.acquire(m.key, this.d.now(), m.charge);
      if (v instanceof Promise) void v.then((verdict) => this.answer(worker, m.id, verdict));
      else this.answer(worker, m.id, v);
    } else if (m.sy === 'lim-release') {
      const g = this.grants.get(worker);
      g?.get(m.id)?.();
      g?.delete(m.id);
    }
    return true;
  }

  /** Sends a worker its verdict; a slot granted to a worker that has gone is given back at once. */
  private answer(worker: Worker, id: number, v: LimitVerdict): void {
    if (!worker.isConnected()) {
      if (v.ok) v.release();
      return;
    }
    if (v.ok) this.grantsOf(worker).set(id, v.release);
    worker.send(v.ok ? { sy: 'lim-verdict', id, ok: true } : { sy: 'lim-verdict', id, ok: false, code: v.code, retryAfterS: v.retryAfterS });
  }

  /** A worker died (or was replaced): every slot it held is free again. */
  forget(worker: Worker): void {
    for (const release of this.grants.get(worker)?.values() ?? []) release();
    this.grants.delete(worker);
  }

  private grantsOf(worker: Worker): Map<number, () => void> {
    let g = this.grants.get(worker);
    if (g === undefined) {
      g = new Map();
      this.grants.set(worker, g);
    }
    return g;
  }
}
