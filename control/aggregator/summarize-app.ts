import type { ClusterAppState, Health } from '../../shared/domain/types.ts';
import { plausibleLoad, type ReplicaMetrics } from './parse-metrics.ts';
import type { WatchedApp } from './aggregator-config.ts';
import type { ServedModel } from '../../shared/rollout/served-versions.ts';

/** What one scrape of one replica found. `metrics` is null when `/metrics` failed or was garbage. */
export interface ReplicaObservation {
  readonly url: string;
  readonly healthy: boolean;
  readonly metrics: ReplicaMetrics | null;
  /** Why the replica counts as unhealthy (timeout, status, garbage), for logs. */
  readonly problem: string | null;
  /** Versioned models from `/v1/models` (shared/rollout/served-versions.ts); absent = not read. */
  readonly models?: readonly ServedModel[];
}

export interface SummarizeInput {
  readonly clusterId: string;
  readonly app: WatchedApp;
  readonly observations: readonly ReplicaObservation[];
  readonly headroom: { readonly warm: number; readonly cold: number };
  readonly pricePerHour: number;
  readonly previousLastServedAt: number | null;
  readonly now: number;
}

/** A replica counts only when both `/health` and `/metrics` answered sensibly. */
export function replicaUsable(o: ReplicaObservation): o is ReplicaObservation & { readonly metrics: ReplicaMetrics } {
  return o.healthy && readable(o.metrics);
}

/** Metrics worth counting: implausible counts are a bad scrape (parse-metrics.ts refuses them too). */
function readable(m: ReplicaMetrics | null): m is ReplicaMetrics {
  return m !== null && plausibleLoad(m);
}

/** healthy when every replica is usable, degraded when some are, unhealthy when none (or none exist). */
export function healthOf(total: number, usable: number): Health {
  if (total === 0 || usable === 0) return 'unhealthy';
  return usable === total ? 'healthy' : 'degraded';
}

/**
 * Turns one tick's replica observations into the app's dynamic state row. Pure.
 * hotFree counts only usable replicas (an unhealthy replica's free slots are not real
 * capacity) and is never negative even when a replica runs more than its slots.
 */
export function summarizeApp(input: SummarizeInput): ClusterAppState {
  const { app, observations } = input;
  let hotFree = 0;
  let hotBusy = 0;
  let queued = 0;
  let usable = 0;
  let idle = 0;
  for (const o of observations) {
    // Bounded per replica, so the sums stay finite and this app's row never fails the cluster's push.
    if (readable(o.metrics)) {
      hotBusy += o.metrics.running;
      queued += o.metrics.waiting;
    }
    if (replicaUsable(o)) {
      usable++;
      hotFree += Math.max(0, app.slotsPerReplica - o.metrics.running);
      if (o.metrics.running <= 0 && o.metrics.waiting <= 0) idle++;
    }
  }
  const min = app.minReplicas;
  const window = app.idleWindowMs;
  return {
    clusterId: input.clusterId,
    appId: app.appId,
    hotFree,
    hotBusy,
    warm: app.warm ?? input.headroom.warm,
    cold: app.cold ?? input.headroom.cold,
    queued,
    gpuType: app.gpuType,
    pricePerHour: input.pricePerHour,
    health: healthOf(observations.length, usable),
    lastServedAt: hotBusy > 0 ? input.now : input.previousLastServedAt,
    observedAt: input.now,
    // What the autoscaler would release: usable replicas, those above its minimum, those serving nothing.
    replicas: usable,
    idleReplicas: idle,
    replicasAboveMin: min === undefined || min === null ? null : Math.max(0, usable - min),
    idleWindowMs: window === undefined || window === null ? null : window,
  };
}

/** Cluster-wide health from its apps': the cluster is unhealthy only when every app is. */
export function clusterHealth(states: readonly ClusterAppState[]): Health {
  if (states.length === 0) return 'unknown';
  if (states.every((s) => s.health === 'healthy')) return 'healthy';
  if (states.every((s) => s.health === 'unhealthy')) return 'unhealthy';
  return 'degraded';
}
