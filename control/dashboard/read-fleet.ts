import type { Client } from '@libsql/client';
import { bool, boolOrNull, int, intOrNull, numOrNull, str, strOrNull, type Row } from '../../shared/snapshot/row-values.ts';
import { guard } from '../store/errors.ts';
import { clusterCapacity, type AppCapacity } from './cluster-capacity.ts';
import type { FleetRow } from './fleet-view.ts';

/**
 * The fleet from the tables the edge snapshot reads: static cluster facts, the aggregator's
 * pushed status and per-app capacity, proxies (draining) and each proxy's circuit breaker.
 * Capacity is read per app with the app's replicas, not summed in SQL: apps that share replicas
 * count them once (cluster-capacity.ts).
 */
const CLUSTERS_SQL = `
SELECT c.id, c.region, c.provider,
       cs.health, cs.draining, cs.observed_at,
       COALESCE(p.draining, 0) AS proxy_draining,
       EXISTS (SELECT 1 FROM proxy_cluster_health h WHERE h.cluster_id = c.id
               AND (h.circuit_open = 1 OR COALESCE(h.open_circuit_apps_json, '[]') NOT IN ('[]', ''))) AS circuit_open,
       MIN(s.price_per_hour) AS min_price, MAX(s.price_per_hour) AS max_price,
       COALESCE(GROUP_CONCAT(DISTINCT s.gpu_type), '') AS gpu_types
FROM clusters c
LEFT JOIN cluster_status cs ON cs.cluster_id = c.id
LEFT JOIN proxies p ON p.id = c.proxy_id
LEFT JOIN cluster_app_state s ON s.cluster_id = c.id
GROUP BY c.id
ORDER BY c.region, c.id`;

const APPS_SQL = 'SELECT cluster_id, app_id, hot_free, hot_busy, warm, cold, queued FROM cluster_app_state';
const REPLICAS_SQL = 'SELECT cluster_id, app_id, url FROM app_endpoints';

export async function readFleet(client: Client): Promise<FleetRow[]> {
  return guard('reading the fleet', async () => {
    // One read transaction: an aggregator's push replaces state and endpoints together.
    const [clusters, apps, replicas] = await client.batch([CLUSTERS_SQL, APPS_SQL, REPLICAS_SQL], 'read');
    const urls = new Map<string, string[]>();
    for (const r of (replicas?.rows ?? []) as unknown as Row[]) {
      const key = `${str(r, 'cluster_id', 'app_endpoints row')} ${str(r, 'app_id', 'app_endpoints row')}`;
      let list = urls.get(key);
      if (list === undefined) urls.set(key, (list = []));
      list.push(str(r, 'url', 'app_endpoints row'));
    }
    const perCluster = new Map<string, AppCapacity[]>();
    for (const r of (apps?.rows ?? []) as unknown as Row[]) {
      const clusterId = str(r, 'cluster_id', 'cluster_app_state row');
      const appId = str(r, 'app_id', 'cluster_app_state row');
      const where = `cluster_app_state row ${clusterId}/${appId}`;
      const app: AppCapacity = {
        hotFree: int(r, 'hot_free', where),
        hotBusy: int(r, 'hot_busy', where),
        warm: int(r, 'warm', where),
        cold: int(r, 'cold', where),
        queued: int(r, 'queued', where),
        replicas: urls.get(`${clusterId} ${appId}`) ?? [],
      };
      let list = perCluster.get(clusterId);
      if (list === undefined) perCluster.set(clusterId, (list = []));
      list.push(app);
    }
    return ((clusters?.rows ?? []) as unknown as Row[]).map((r) => {
      const id = str(r, 'id', 'clusters row');
      const where = `fleet row of ${id}`;
      const capacity = clusterCapacity(perCluster.get(id) ?? []);
      return {
        id,
        region: str(r, 'region', where),
        provider: str(r, 'provider', where),
        health: strOrNull(r, 'health', where),
        draining: boolOrNull(r, 'draining', where) ?? false,
        proxyDraining: bool(r, 'proxy_draining', where),
        circuitOpen: bool(r, 'circuit_open', where),
        hotFree: capacity.hotFree,
        hotBusy: capacity.hotBusy,
        warm: capacity.warm,
        cold: capacity.cold,
        queued: capacity.queued,
        capacityExact: capacity.exact,
        minPricePerHour: numOrNull(r, 'min_price', where),
        maxPricePerHour: numOrNull(r, 'max_price', where),
        gpuTypes: str(r, 'gpu_types', where),
        observedAt: intOrNull(r, 'observed_at', where),
      };
    });
  });
}
