import type { Client } from '@libsql/client';
import type { Health } from '../../shared/domain/types.ts';
import {
  bool,
  boolOrNull,
  int,
  intOrNull,
  str,
  strOrNull,
} from '../../shared/snapshot/row-values.ts';
import { guard } from './errors.ts';
import type { ClusterStatusLine } from './types.ts';

const HEALTHS: readonly Health[] = ['healthy', 'degraded', 'unhealthy', 'unknown'];

const SQL = `
SELECT c.id, c.region, c.provider, c.proxy_id,
       cs.health, cs.draining, cs.observed_at,
       p.draining AS proxy_draining,
       EXISTS (SELECT 1 FROM proxy_cluster_health h WHERE h.cluster_id = c.id AND h.circuit_open = 1) AS circuit_open,
       (SELECT COUNT(*) FROM cluster_app_state s WHERE s.cluster_id = c.id) AS apps,
       (SELECT COALESCE(SUM(hot_free), 0) FROM cluster_app_state s WHERE s.cluster_id = c.id) AS hot_free,
       (SELECT COALESCE(SUM(hot_busy), 0) FROM cluster_app_state s WHERE s.cluster_id = c.id) AS hot_busy,
       (SELECT COALESCE(SUM(warm), 0) FROM cluster_app_state s WHERE s.cluster_id = c.id) AS warm,
       (SELECT COALESCE(SUM(cold), 0) FROM cluster_app_state s WHERE s.cluster_id = c.id) AS cold,
       (SELECT COALESCE(SUM(queued), 0) FROM cluster_app_state s WHERE s.cluster_id = c.id) AS queued
FROM clusters c
LEFT JOIN cluster_status cs ON cs.cluster_id = c.id
LEFT JOIN proxies p ON p.id = c.proxy_id
ORDER BY c.region, c.id`;

/** One line per known cluster with its status and summed capacity, for `switchyard status`. */
export async function readClusterStatusTable(client: Client): Promise<ClusterStatusLine[]> {
  return guard('reading cluster status', async () => {
    const rs = await client.execute(SQL);
    return rs.rows.map((row) => {
      const id = str(row, 'id', 'clusters row');
      const where = `status of cluster ${id}`;
      const health = strOrNull(row, 'health', where) ?? 'unknown';
      return {
        clusterId: id,
        region: str(row, 'region', where),
        provider: str(row, 'provider', where),
        proxyId: str(row, 'proxy_id', where),
        health: (HEALTHS as readonly string[]).includes(health) ? (health as Health) : 'unknown',
        draining: boolOrNull(row, 'draining', where) ?? false,
        proxyDraining: boolOrNull(row, 'proxy_draining', where) ?? false,
        circuitOpen: bool(row, 'circuit_open', where),
        apps: int(row, 'apps', where),
        hotFree: int(row, 'hot_free', where),
        hotBusy: int(row, 'hot_busy', where),
        warm: int(row, 'warm', where),
        cold: int(row, 'cold', where),
        queued: int(row, 'queued', where),
        observedAt: intOrNull(row, 'observed_at', where),
      };
    });
  });
}
