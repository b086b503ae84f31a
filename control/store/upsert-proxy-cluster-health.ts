import type { Client } from '@libsql/client';
import { guard } from './errors.ts';
import type { ProxyClusterHealth } from './types.ts';

/** Write what proxies measured of clusters (latency averages, circuit breaker), one transaction. */
export async function upsertProxyClusterHealth(
  client: Client,
  rows: readonly ProxyClusterHealth[],
): Promise<void> {
  if (rows.length === 0) return;
  await guard('writing proxy cluster health', () =>
    client.batch(
      rows.map((r) => ({
        sql: `INSERT INTO proxy_cluster_health (proxy_id, cluster_id, health, circuit_open, rtt_ms, ttft_ms, samples, observed_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT(proxy_id, cluster_id) DO UPDATE SET health = excluded.health,
                circuit_open = excluded.circuit_open, rtt_ms = excluded.rtt_ms, ttft_ms = excluded.ttft_ms,
                samples = excluded.samples, observed_at = excluded.observed_at`,
        args: [
          r.proxyId,
          r.clusterId,
          r.health,
          r.circuitOpen ? 1 : 0,
          r.rttMs,
          r.ttftMs,
          r.samples,
          r.observedAt,
        ],
      })),
      'write',
    ),
  );
}
