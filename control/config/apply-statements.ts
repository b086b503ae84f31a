import type { InStatement } from '@libsql/client';
import { DEFAULT_STRATEGY_MARKER } from '../../shared/domain/types.ts';
import type { ConfigChange } from './diff-config.ts';

/**
 * SQL for a list of changes, to run as ONE write batch (a transaction) so a failed apply leaves
 * the database exactly as it was. The store's `upsert*` functions each run their own statement,
 * so they cannot share a transaction; these mirror their SQL (control/store/upsert-*.ts).
 */
export function applyStatements(changes: readonly ConfigChange[], now: number): InStatement[] {
  return changes.flatMap((c): InStatement[] => {
    switch (c.kind) {
      case 'project':
        return [
          {
            sql: `INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)
                  ON CONFLICT(id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`,
            args: [c.value.id, c.value.name, now],
          },
        ];
      case 'cluster': {
        const k = c.value;
        return [
          {
            sql: `INSERT INTO clusters (id, region, continent, country, provider, lat, lon, proxy_url, proxy_id, updated_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                  ON CONFLICT(id) DO UPDATE SET region = excluded.region, continent = excluded.continent,
                    country = excluded.country, provider = excluded.provider, lat = excluded.lat, lon = excluded.lon,
                    proxy_url = excluded.proxy_url, proxy_id = excluded.proxy_id, updated_at = excluded.updated_at`,
            args: [k.id, k.region, k.continent, k.country, k.provider, k.location.lat, k.location.lon, k.proxyUrl, k.proxyId, now],
          },
        ];
      }
      case 'app': {
        const a = c.value;
        const excluded = new Set(a.excludedClusters);
        return [
          {
            sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header,
                    residency_json, gpu_types_json, cors_origins_json, updated_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                  ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, name = excluded.name,
                    strategy = excluded.strategy, auth_required = excluded.auth_required,
                    max_concurrency = excluded.max_concurrency, max_rps = excluded.max_rps,
                    affinity_header = excluded.affinity_header, residency_json = excluded.residency_json,
                    gpu_types_json = excluded.gpu_types_json, cors_origins_json = excluded.cors_origins_json,
                    updated_at = excluded.updated_at`,
            args: [
              a.id,
              a.projectId,
              a.name,
              a.strategy ?? DEFAULT_STRATEGY_MARKER,
              a.authRequired ? 1 : 0,
              a.limits.maxConcurrency,
              a.limits.maxRps,
              a.affinityHeader,
              JSON.stringify(a.residency),
              JSON.stringify(a.gpuTypes),
              JSON.stringify(a.corsOrigins),
              now,
            ],
          },
          { sql: 'DELETE FROM app_clusters WHERE app_id = ?', args: [a.id] },
          ...a.clusters.map((clusterId) => ({
            sql: 'INSERT INTO app_clusters (app_id, cluster_id, weight, excluded) VALUES (?, ?, ?, ?)',
            args: [a.id, clusterId, a.clusterWeights[clusterId] ?? 1, excluded.has(clusterId) ? 1 : 0],
          })),
        ];
      }
      case 'api-key':
        return [
          {
            sql: `INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, ?, ?)
                  ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, hash = excluded.hash,
                    revoked = excluded.revoked`,
            args: [c.value.id, c.value.projectId, c.value.hash, c.value.revoked ? 1 : 0, now],
          },
        ];
    }
  });
}
