/**
 * Writes what this proxy knows to libSQL, periodically and off the hot path:
 * its own row (liveness, draining), per-cluster health + measured latency,
 * and per-request outcomes in batches.
 *
 * A store outage costs the request path nothing (issue 12 #4): outcomes follow
 * the shared `WriteBuffer` rule — bounded queue (new rows beyond it dropped and
 * counted), one write in flight, backoff with jitter after a failure — and the
 * periodic proxy/health upserts wait out the same backoff, so a dead store gets
 * one attempt per backoff period and one log line per failure. On `/metrics`:
 * `switchyard_proxy_report_records_buffered` (gauge), `switchyard_proxy_report_records_total{state}`
 * (written|dropped) and `switchyard_proxy_report_failures_total` (counters; several workers' sum).
 */
import { Counter, Gauge, type Metric } from 'prom-client';
import { WriteBuffer } from '../../shared/batching/write-buffer.ts';
import type { WriteBufferStats } from '../../shared/batching/write-buffer.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import type { Health } from '../../shared/domain/types.ts';
import { parseCircuitKey } from './circuit-breaker.ts';
import type { ClusterLatency } from './latency-tracker.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { ClusterHealthRow, OutcomeRow, ProxyStore } from './store.ts';
import { STORE_CALL_DEADLINE_MS, StoreDeadlineError, withDeadline } from './store-deadline.ts';

const MAX_QUEUE = 50_000;
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;

/**
 * The TTFB as reported, or null when it equals the RTT: proxies from before session 14 wrote
 * their TTFB into both columns, and the edge reads rtt_ms = ttft_ms as that (latency-estimate.ts).
 * A coincidence here costs operators one TTFB reading; no decision reads it.
 */
export function ttftColumn(l: Readonly<ClusterLatency> | undefined): number | null {
  const ttfb = l?.ttfbMs ?? null;
  return ttfb !== null && ttfb === l?.rttMs ? null : ttfb;
}

export class Reporter {
  private outcomes: WriteBuffer<OutcomeRow> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private metrics: Metric[] = [];

  constructor(
    private readonly rt: () => ProxyRuntime,
    private readonly store: ProxyStore | null,
    private readonly random: () => number = Math.random,
    /** Write the proxy row and cluster health (false: a sibling worker does; outcomes are still ours). */
    private readonly reportsProxy = true,
    /** Each store call's deadline: a hung store fails the write (and backs off) instead of holding it. */
    private readonly deadlineMs: number = STORE_CALL_DEADLINE_MS,
  ) {}

  /** Built on first use: the runtime (and its batch size) exists only after construction. */
  private buffer(): WriteBuffer<OutcomeRow> {
    this.outcomes ??= new WriteBuffer<OutcomeRow>({
      max: MAX_QUEUE,
      batch: Math.min(MAX_QUEUE, this.rt().config.outcomeBatchSize),
      baseBackoffMs: BASE_BACKOFF_MS,
      maxBackoffMs: MAX_BACKOFF_MS,
      // A full buffer (libSQL slow or down) drops the bursting tenant's rows, not a quiet one's:
      // its outcomes are its next snapshot's failure risk, inflow and pinned-slot demand. Keyed by
      // project: per app, a project bursting through 20 apps held 20 shares of the buffer.
      key: (r) => (r.appId == null ? '*' : projectOfAppId(r.appId)),
    });
    return this.outcomes;
  }

  get dropped(): number {
    return this.buffer().stats().dropped;
  }

  stats(): WriteBufferStats {
    return this.buffer().stats();
  }

  /** O(1) on the request path; a full batch starts a write unless one is running or backing off. */
  record(row: OutcomeRow): void {
    if (this.store === null) return;
    const buf = this.buffer();
    buf.push(row);
    if (buf.batchReady && !buf.inFlight && this.rt().now() >= buf.nextAttemptAt) void this.flushOutcomes();
  }

  clusterHealth(now: number): ClusterHealthRow[] {
    const rt = this.rt();
    const lat = rt.latency.snapshot(now);
    const ids = new Set([...rt.registry.clusterIds(), ...lat.keys()]);
    const openApps = this.openCircuitApps(now);
    return [...ids].map((clusterId) => {
      const eps = rt.registry.allEndpoints().filter((e) => e.clusterId === clusterId);
      // Health checks only: a passive ejection is one app's verdict (outlier-detector.ts), and one
      // tenant could provoke it on shared replicas to get the cluster dropped for every app.
      const up = eps.filter((e) => e.endpoint.checkedHealthy && e.endpoint.reportedHealthy).length;
      // Circuits are per cluster × app: an open one says nothing about the cluster's other apps,
      // so it is reported per app and kept out of the cluster-wide health.
      const openCircuitApps = openApps.get(clusterId) ?? [];
      const circuitOpen = openCircuitApps.length > 0;
      const health: Health =
        eps.length === 0
          ? 'unknown'
          : up === 0
            ? 'unhealthy'
            : up < eps.length
              ? 'degraded'
              : 'healthy';
      const l = lat.get(clusterId);
      return {
        proxyId: rt.config.id,
        clusterId,
        health,
        circuitOpen,
        // Network only: TTFB mixes every app's server time, so one slow tenant standing in for
        // a missing RTT made the cluster look far to all others. No RTT yet: 0 samples, and
        // the edge uses its geo model. TTFB is still reported for operators; no decision reads it.
        rttMs: l?.rttMs ?? 0,
        ttftMs: ttftColumn(l),
        samples: l?.rttSamples ?? 0,
        observedAt: now,
        openCircuitApps,
      };
    });
  }

  /** Apps whose circuit is open, per cluster. */
  private openCircuitApps(now: number): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [key, breaker] of this.rt().breakers) {
      if (breaker.current(now) !== 'open') continue;
      const { clusterId, appId } = parseCircuitKey(key);
      out.set(clusterId, [...(out.get(clusterId) ?? []), appId]);
    }
    return out;
  }

  /** Writes buffered outcomes batch by batch until empty, a failure, or another write is running. */
  flushOutcomes(): Promise<void> {
    if (this.store === null || this.buffer().inFlight) return this.writing;
    const store = this.store;
    this.writing = (async () => {
      const buf = this.buffer();
      for (let rows = buf.begin(this.rt().now()); rows !== null; rows = buf.begin(this.rt().now())) {
        try {
          await withDeadline(store.insertOutcomes(rows), this.deadlineMs, 'outcome write');
          buf.succeeded(rows);
        } catch (err) {
          this.countDeadline(err);
          const delay = buf.failed(rows, this.rt().now(), this.random());
          this.rt().logger.warn({ err, rows: rows.length, retryInMs: delay, ...buf.stats() }, 'writing outcomes failed; kept for a later try');
          return;
        }
      }
    })();
    return this.writing;
  }

  /**
   * `force`: a drain's report (the draining row, the last outcomes), tried even while backing off:
   * the process is about to end, so the rows would otherwise be lost.
   */
  async reportOnce(force = false): Promise<void> {
    if (this.store === null) return;
    const rt = this.rt();
    const now = rt.now();
    const buf = this.buffer();
    if (force) buf.retryNow();
    // The store failed recently: wait out the backoff instead of hammering it every interval.
    if (now < buf.nextAttemptAt) return;
    if (!this.reportsProxy) return this.flushOutcomes();
    try {
      const row = { id: rt.config.id, url: rt.config.publicUrl, region: rt.config.region, draining: rt.draining, observedAt: now };
      await withDeadline(this.store.upsertProxy(row), this.deadlineMs, 'proxy row write');
      await withDeadline(this.store.upsertClusterHealth(this.clusterHealth(now)), this.deadlineMs, 'cluster health write');
    } catch (err) {
      this.countDeadline(err);
      // Same store: the shared backoff applies to the next attempts of both.
      const delay = buf.noteFailure(rt.now(), this.random());
      rt.logger.warn({ err, retryInMs: delay }, 'reporting to the store failed');
      return;
    }
    await this.flushOutcomes();
  }

  private countDeadline(err: unknown): void {
    if (err instanceof StoreDeadlineError) this.rt().metrics.storeDeadlines.inc({ call: err.call });
  }

  private registerMetrics(): void {
    const registers = [this.rt().metrics.registry];
    const stats = (): WriteBufferStats => this.stats();
    // The write buffer's counts since start are counters, set to the count at each scrape (reset,
    // inc): typed gauge, promtool flags the `_total` and dashboards cannot tell rate() applies.
    // The primary of several workers sums counters as it summed the gauges.
    this.metrics = [
      new Gauge({
        name: 'switchyard_proxy_report_records_buffered',
        help: 'Outcome records waiting to be written to the store',
        registers,
        collect() {
          this.set(stats().buffered);
        },
      }),
      new Counter({
        name: 'switchyard_proxy_report_records_total',
        help: 'Outcome records since start, by state: written to the store, dropped (store down, queue full)',
        labelNames: ['state'],
        registers,
        collect() {
          const s = stats();
          this.reset();
          this.inc({ state: 'written' }, s.written);
          this.inc({ state: 'dropped' }, s.dropped);
        },
      }),
      new Counter({
        name: 'switchyard_proxy_report_failures_total',
        help: 'Failed writes to the store (outcomes, proxy and health rows) since start',
        registers,
        collect() {
          this.reset();
          this.inc(stats().failures);
        },
      }),
    ];
  }

  start(): void {
    if (this.metrics.length === 0) this.registerMetrics();
    this.timer = setInterval(() => void this.reportOnce(), this.rt().config.reportIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }
}
