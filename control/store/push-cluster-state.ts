import type { Client, InStatement } from '@libsql/client';
import type { ClusterAppState, ClusterStatus } from '../../shared/domain/types.ts';
import { guard, StoreError } from './errors.ts';
import type { EndpointInput } from './types.ts';

export interface ClusterPush {
  readonly states: readonly ClusterAppState[];
  /** `circuitOpen` is ignored here: circuit breakers are reported by proxies, not aggregators. */
  readonly status: ClusterStatus;
  /** The cluster's complete replica list: it replaces what was stored. */
  readonly endpoints: readonly EndpointInput[];
}

/**
 * One aggregator push: per-app state, cluster status and the full endpoint list, written as one
 * transaction so readers never see a cluster's endpoints half replaced.
 */
export async function pushClusterState(
  client: Client,
  clusterId: string,
  push: ClusterPush,
  now: number,
): Promise<void> {
  const foreign = push.states.find((s) => s.clusterId !== clusterId);
  if (foreign !== undefined || push.status.clusterId !== clusterId) {
    throw new StoreError(
      'invalid-input',
      `push for cluster ${clusterId} contains rows of cluster ${foreign?.clusterId ?? push.status.clusterId}`,
    );
  }
  // The engines' queue wait and service time (schema v36) only from a writer that reports them:
  // a caller without them still writes to a database migrated before v36.
  const times = push.states.some((s) => s.queueWaitMs !== undefined || s.serviceMs !== undefined);
  const statements: InStatement[] = [
    ...push.states.map((s) => ({
      sql: `INSERT INTO cluster_app_state (cluster_id, app_id, hot_free, hot_busy, warm, cold, queued, gpu_type,
              price_per_hour, health, last_served_at, observed_at, warm_start_ms, cold_start_ms,
              replicas, replicas_above_min, idle_replicas, idle_window_ms${times ? ', queue_wait_ms, service_ms' : ''})
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${times ? ', ?, ?' : ''})
            ON CONFLICT(cluster_id, app_id) DO UPDATE SET hot_free = excluded.hot_free, hot_busy = excluded.hot_busy,
              warm = excluded.warm, cold = excluded.cold, queued = excluded.queued, gpu_type = excluded.gpu_type,
              price_per_hour = excluded.price_per_hour, health = excluded.health,
              last_served_at = excluded.last_served_at, observed_at = excluded.observed_at,
              warm_start_ms = excluded.warm_start_ms, cold_start_ms = excluded.cold_start_ms,
              replicas = excluded.replicas, replicas_above_min = excluded.replicas_above_min,
              idle_replicas = excluded.idle_replicas, idle_window_ms = excluded.idle_window_ms${times ? ', queue_wait_ms = excluded.queue_wait_ms, service_ms = excluded.service_ms' : ''}`,
      args: [
        clusterId,
        s.appId,
        s.hotFree,
        s.hotBusy,
        s.warm,
        s.cold,
        s.queued,
        s.gpuType,
        s.pricePerHour,
        s.health,
        s.lastServedAt,
        s.observedAt,
        s.warmStartMs ?? null,
        s.coldStartMs ?? null,
        s.replicas ?? null,
        s.replicasAboveMin ?? null,
        s.idleReplicas ?? null,
        s.idleWindowMs ?? null,
        ...(times ? [s.queueWaitMs ?? null, s.serviceMs ?? null] : []),
      ],
    })),
    {
      sql: `INSERT INTO cluster_status (cluster_id, health, draining, observed_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(cluster_id) DO UPDATE SET health = excluded.health, draining = excluded.draining,
              observed_at = excluded.observed_at`,
      args: [clusterId, push.status.health, push.status.draining ? 1 : 0, push.status.observedAt],
    },
    { sql: 'DELETE FROM app_endpoints WHERE cluster_id = ?', args: [clusterId] },
    ...push.endpoints.map((e) => ({
      sql: `INSERT OR REPLACE INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at, slots)
            VALUES (?, ?, ?, ?, ?, ?, ?)`,
      args: [clusterId, e.appId, e.url, e.healthy ? 1 : 0, e.weight, now, e.slots ?? null],
    })),
  ];
  await guard(`pushing state of cluster ${clusterId}`, () => client.batch(statements, 'write'));
}
