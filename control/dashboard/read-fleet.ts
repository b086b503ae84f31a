import type { Client } from '@libsql/client';
import { bool, boolOrNull, int, intOrNull, numOrNull, str, strOrNull, type Row } from '../../shared/snapshot/row-values.ts';
import { guard } from '../store/errors.ts';
import type { FleetRow } from './fleet-view.ts';

/**
 * The fleet from the tables the edge snapshot reads: static cluster facts, the aggregator's
 * pushed status and per-app capacity, proxies (draining) and each proxy's circuit breaker.
 */
const SQL = `
SELECT c.id, c.region, c.provider,
       cs.health, cs.draining, cs.observed_at,
       COALESCE(p.draining, 0) AS proxy_draining,
       EXISTS (SELECT 1 FROM proxy_cluster_health h WHERE h.cluster_id = c.id
               AND (h.circuit_open = 1 OR COALESCE(h.open_circuit_apps_json, '[]') NOT IN ('[]', ''))) AS circuit_open,
       COALESCE(SUM(s.hot_free), 0) AS hot_free, COALESCE(SUM(s.hot_busy), 0) AS hot_busy,
       COALESCE(SUM(s.warm), 0) AS warm, COALESCE(SUM(s.cold), 0) AS cold, COALESCE(SUM(s.queued), 0) AS queued,
       MIN(s.price_per_hour) AS min_price, MAX(s.price_per_hour) AS max_price,
       COALESCE(GROUP_CONCAT(DISTINCT s.gpu_type), '') AS gpu_types
FROM clusters c
LEFT JOIN cluster_status cs ON cs.cluster_id = c.id
LEFT JOIN proxies p ON p.id = c.proxy_id
LEFT JOIN cluster_app_state s ON s.cluster_id = c.id
GROUP BY c.id
ORDER BY c.region, c.id`;

export async function readFleet(client: Client): Promise<FleetRow[]> {
  return guard('reading the fleet', async () => {
    const rs = await client.execute(SQL);
    return (rs.rows as unknown as Row[]).map((r) => {
      const id = str(r, 'id', 'clusters row');
      const where = `fleet row of ${id}`;
      return {
        id,
        region: str(r, 'region', where),
        provider: str(r, 'provider', where),
        health: strOrNull(r, 'health', where),
        draining: boolOrNull(r, 'draining', where) ?? false,
        proxyDraining: bool(r, 'proxy_draining', where),
        circuitOpen: bool(r, 'circuit_open', where),
        hotFree: int(r, 'hot_free', where),
        hotBusy: int(r, 'hot_busy', where),
        warm: int(r, 'warm', where),
        cold: int(r, 'cold', where),
        queued: int(r, 'queued', where),
        minPricePerHour: numOrNull(r, 'min_price', where),
        maxPricePerHour: numOrNull(r, 'max_price', where),
        gpuTypes: str(r, 'gpu_types', where),
        observedAt: intOrNull(r, 'observed_at', where),
      };
    });
  });
}
