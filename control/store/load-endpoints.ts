import type { Client } from '@libsql/client';
import { bool, int, intOrNull, num, str } from '../../shared/snapshot/row-values.ts';
import { guard } from './errors.ts';
import type { Endpoint } from './types.ts';

/** All replicas of the given clusters (what a regional proxy fronts), ordered for stable output. */
export async function loadEndpoints(
  client: Client,
  clusterIds: readonly string[],
): Promise<Endpoint[]> {
  if (clusterIds.length === 0) return [];
  return guard('loading endpoints', async () => {
    const rs = await client.execute({
      sql: `SELECT cluster_id, app_id, url, healthy, weight, observed_at, slots FROM app_endpoints
            WHERE cluster_id IN (${clusterIds.map(() => '?').join(', ')})
            ORDER BY cluster_id, app_id, url`,
      args: [...clusterIds],
    });
    return rs.rows.map((row) => {
      const where = `app_endpoints row ${String(row['cluster_id'])}/${String(row['app_id'])}`;
      return {
        clusterId: str(row, 'cluster_id', where),
        appId: str(row, 'app_id', where),
        url: str(row, 'url', where),
        healthy: bool(row, 'healthy', where),
        weight: num(row, 'weight', where),
        observedAt: int(row, 'observed_at', where),
        slots: intOrNull(row, 'slots', where),
      };
    });
  });
}
