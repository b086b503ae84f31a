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
import { ProxyError } from './errors.ts';
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

/** The store's side of pins (libsqlProxyStore implements it). */
export interface JobPinStore {
  upsertJobPin(row: JobPinRow): Promise<void>;
  /** Live pins of these clusters, newest first, at most `limit`. */
  loadJobPins(clusterIds: readonly string[], now: number, limit: number): Promise<JobPinRow[]>;
  /** Drop these clusters' expired pins: every distinct key adds a row, so the table must shrink too. */
  pruneJobPins(clusterIds: readonly string[], now: number): Promise<void>;
}

/** Pins one proxy keeps in memory (newest kept): bounds memory whatever clients send. */
const MAX_PINS = 50_000;

/** Longest a sliding pin goes without a store write (`updatedAt` is the last write's time). */
const STORE_EVERY_MS = 60_000;

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

export class JobPins {
  private readonly pins = new Map<string, JobPinRow>();

  constructor(
    private readonly store: JobPinStore | null,
    private readonly proxyId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The live pin of this key, if any. */
  get(appId: string, keyHash: string, now: number): JobPinRow | null {
    const pin = this.pins.get(`${appId}\n${keyHash}`);
    return pin !== undefined && pin.expiresAt > now ? pin : null;
  }

  /** A job's answer began on this replica: pin (or extend) it, here and in the store. */
  record(appId: string, keyHash: string, clusterId: string, endpoint: string, pinMs: number, now: number): void {
    // A busy job re-pins the same replica on every request: slide it here, and write the store
    // only every quarter pin time (at most a minute) so the store's pin never falls far behind.
    const had = this.pins.get(`${appId}\n${keyHash}`);
    if (had !== undefined && had.proxyId === this.proxyId && had.clusterId === clusterId && had.endpoint === endpoint &&
        had.expiresAt > now && now - had.updatedAt < Math.min(pinMs / 4, STORE_EVERY_MS)) {
      this.remember({ ...had, expiresAt: now + pinMs });
      return;
    }
    const row: JobPinRow = { appId, keyHash, clusterId, endpoint, proxyId: this.proxyId, expiresAt: now + pinMs, updatedAt: now };
    this.remember(row);
    this.store?.upsertJobPin(row).catch(this.onError);
  }

  /** Pins other proxy processes wrote (e.g. this proxy's previous process, before a drain). */
  async refresh(clusterIds: readonly string[], now: number): Promise<void> {
    if (this.store === null || clusterIds.length === 0) return;
    await this.store.pruneJobPins(clusterIds, now);
    const rows = await this.store.loadJobPins(clusterIds, now, MAX_PINS);
    for (const row of rows.reverse()) {
      const mine = this.pins.get(`${row.appId}\n${row.keyHash}`);
      if (mine === undefined || mine.updatedAt < row.updatedAt) this.remember(row);
    }
    for (const [k, p] of this.pins) if (!(p.expiresAt > now)) this.pins.delete(k);
  }

  private remember(row: JobPinRow): void {
    const k = `${row.appId}\n${row.keyHash}`;
    this.pins.delete(k); // re-insert: Map order is recency, the oldest go first
    this.pins.set(k, row);
    if (this.pins.size > MAX_PINS) {
      const oldest = this.pins.keys().next();
      if (oldest.done !== true) this.pins.delete(oldest.value);
    }
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
