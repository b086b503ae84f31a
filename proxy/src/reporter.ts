/**
 * Writes what this proxy knows to libSQL, periodically and off the hot path:
 * its own row (liveness, draining), per-cluster health + measured latency,
 * and per-request outcomes in batches. A store outage only delays reports;
 * outcomes beyond a bounded queue are dropped (and counted) rather than
 * growing memory without limit.
 */
import type { Health } from '../../shared/domain/types.ts';
import { parseCircuitKey } from './circuit-breaker.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { ClusterHealthRow, OutcomeRow, ProxyStore } from './store.ts';

const MAX_QUEUE = 50_000;

export class Reporter {
  private queue: OutcomeRow[] = [];
  dropped = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly rt: () => ProxyRuntime,
    private readonly store: ProxyStore | null,
  ) {}

  record(row: OutcomeRow): void {
    if (this.store === null) return;
    if (this.queue.length >= MAX_QUEUE) {
      this.dropped += 1;
      return;
    }
    this.queue.push(row);
    if (this.queue.length >= this.rt().config.outcomeBatchSize) void this.flushOutcomes();
  }

  clusterHealth(now: number): ClusterHealthRow[] {
    const rt = this.rt();
    const lat = rt.latency.snapshot();
    const ids = new Set([...rt.registry.clusterIds(), ...lat.keys()]);
    const openApps = this.openCircuitApps(now);
    return [...ids].map((clusterId) => {
      const eps = rt.registry.allEndpoints().filter((e) => e.clusterId === clusterId);
      const up = eps.filter(
        (e) =>
          e.endpoint.checkedHealthy &&
          e.endpoint.reportedHealthy &&
          !rt.outliers.isEjected(e.endpoint.url, now),
      ).length;
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
      rt.metrics.circuitOpen.set({ cluster: clusterId }, circuitOpen ? 1 : 0);
      const l = lat.get(clusterId);
      return {
        proxyId: rt.config.id,
        clusterId,
        health,
        circuitOpen,
        rttMs: l?.rttMs ?? l?.ttfbMs ?? 0,
        ttftMs: l?.ttfbMs ?? null,
        samples: l?.samples ?? 0,
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

  flushOutcomes(): Promise<void> {
    if (this.store === null || this.queue.length === 0) return this.flushing;
    const store = this.store;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.flushing
      .then(() => store.insertOutcomes(batch))
      .catch((err: unknown) => {
        this.rt().logger.warn({ err, rows: batch.length }, 'writing outcomes failed; requeued');
        this.queue = batch.concat(this.queue).slice(0, MAX_QUEUE);
      });
    return this.flushing;
  }

  async reportOnce(): Promise<void> {
    if (this.store === null) return;
    const rt = this.rt();
    const now = rt.now();
    try {
      await this.store.upsertProxy({
        id: rt.config.id,
        url: rt.config.publicUrl,
        region: rt.config.region,
        draining: rt.draining,
        observedAt: now,
      });
      await this.store.upsertClusterHealth(this.clusterHealth(now));
    } catch (err) {
      rt.logger.warn({ err }, 'reporting to the store failed');
    }
    await this.flushOutcomes();
  }

  start(): void {
    this.timer = setInterval(() => void this.reportOnce(), this.rt().config.reportIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }
}
