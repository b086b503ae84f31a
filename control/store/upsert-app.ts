import type { Client, InStatement } from '@libsql/client';
import { DEFAULT_STRATEGY_MARKER, type App } from '../../shared/domain/types.ts';
import { guard, StoreError } from './errors.ts';

/**
 * Write an app's static config and replace its `app_clusters` rows, in one transaction so the
 * edge never reads an app with half of its clusters.
 */
export async function upsertApp(client: Client, app: App, now: number): Promise<void> {
  if (app.id !== `${app.projectId}/${app.name}`) {
    throw new StoreError(
      'invalid-input',
      `app id ${JSON.stringify(app.id)} must be "${app.projectId}/${app.name}" (project/name)`,
    );
  }
  const mc = app.limits.maxConcurrency;
  if (mc !== null && (!Number.isInteger(mc) || mc < 0)) {
    throw new StoreError(
      'invalid-input',
      `app ${app.id}: maxConcurrency must be a non-negative integer or null`,
    );
  }
  const clusterIds = [...new Set([...app.clusters, ...app.excludedClusters])];
  const excluded = new Set(app.excludedClusters);
  const statements: InStatement[] = [
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
        app.id,
        app.projectId,
        app.name,
        app.strategy ?? DEFAULT_STRATEGY_MARKER,
        app.authRequired ? 1 : 0,
        mc,
        app.limits.maxRps,
        app.affinityHeader,
        JSON.stringify(app.residency),
        JSON.stringify(app.gpuTypes),
        JSON.stringify(app.corsOrigins),
        now,
      ],
    },
    { sql: 'DELETE FROM app_clusters WHERE app_id = ?', args: [app.id] },
    ...clusterIds.map((clusterId) => ({
      sql: 'INSERT INTO app_clusters (app_id, cluster_id, weight, excluded) VALUES (?, ?, ?, ?)',
      args: [
        app.id,
        clusterId,
        app.clusterWeights[clusterId] ?? 1,
        excluded.has(clusterId) ? 1 : 0,
      ],
    })),
  ];
  await guard(`writing app ${app.id}`, () => client.batch(statements, 'write'));
}
