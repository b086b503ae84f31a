/**
 * The SQL that writes static config, one builder per entity. The store's `upsert*` functions run
 * them on their own; `switchyard apply` puts many of them in ONE write batch, so a failed apply
 * leaves the database as it was. One definition, so the two paths cannot drift.
 */
import { NO_ROUTES } from '../../shared/routes/types.ts';
import type { InStatement } from '@libsql/client';
import { DEFAULT_STRATEGY_MARKER, type ApiKey, type App, type Cluster, type Project } from '../../shared/domain/types.ts';
import { StoreError } from './errors.ts';

export function projectStatements(project: Project, now: number): InStatement[] {
  return [
    {
      sql: `INSERT INTO projects (id, name, token_budget_json, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, token_budget_json = excluded.token_budget_json,
              updated_at = excluded.updated_at`,
      args: [project.id, project.name, project.tokenBudget === undefined ? null : JSON.stringify(project.tokenBudget), now],
    },
  ];
}

export function clusterStatements(cluster: Cluster, now: number): InStatement[] {
  return [
    {
      sql: `INSERT INTO clusters (id, region, continent, country, provider, lat, lon, proxy_url, proxy_id, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET region = excluded.region, continent = excluded.continent,
              country = excluded.country, provider = excluded.provider, lat = excluded.lat, lon = excluded.lon,
              proxy_url = excluded.proxy_url, proxy_id = excluded.proxy_id, updated_at = excluded.updated_at`,
      args: [
        cluster.id,
        cluster.region,
        cluster.continent,
        cluster.country,
        cluster.provider,
        cluster.location.lat,
        cluster.location.lon,
        cluster.proxyUrl,
        cluster.proxyId,
        now,
      ],
    },
  ];
}

/**
 * A registered cluster's facts without its proxy (an aggregator that leaves the proxy to `apply`):
 * the same columns as `clusterStatements` but the proxy's, and never a new row (a row needs a proxy).
 */
export function clusterFactsStatement(cluster: Omit<Cluster, 'proxyUrl' | 'proxyId'>, now: number): InStatement {
  return {
    sql: `UPDATE clusters SET region = ?, continent = ?, country = ?, provider = ?, lat = ?, lon = ?, updated_at = ? WHERE id = ?`,
    args: [cluster.region, cluster.continent, cluster.country, cluster.provider, cluster.location.lat, cluster.location.lon, now, cluster.id],
  };
}

/** Throws StoreError('invalid-input') for a hash that is not a lowercase hex SHA-256. */
export function apiKeyStatements(key: ApiKey, now: number): InStatement[] {
  if (!/^[0-9a-f]{64}$/.test(key.hash)) {
    throw new StoreError(
      'invalid-input',
      `API key ${key.id}: hash must be the lowercase hex SHA-256 of the key (64 hex chars)`,
    );
  }
  return [
    {
      sql: `INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, hash = excluded.hash,
              revoked = excluded.revoked`,
      args: [key.id, key.projectId, key.hash, key.revoked ? 1 : 0, now],
    },
  ];
}

/**
 * The app row plus a full replacement of its `app_clusters` rows (deployed and excluded), so
 * the edge never reads an app with half of its clusters. Throws StoreError('invalid-input')
 * for values the schema cannot hold.
 */
export function appStatements(app: App, now: number): InStatement[] {
  if (app.id !== `${app.projectId}/${app.name}`) {
    throw new StoreError(
      'invalid-input',
      `app id ${JSON.stringify(app.id)} must be "${app.projectId}/${app.name}" (project/name)`,
    );
  }
  const mc = app.limits.maxConcurrency;
  if (mc !== null && (!Number.isInteger(mc) || mc < 0)) {
    throw new StoreError('invalid-input', `app ${app.id}: maxConcurrency must be a non-negative integer or null`);
  }
  const reserve = app.failoverReserve;
  if (reserve !== undefined && !(reserve >= 0 && reserve <= 4)) {
    throw new StoreError('invalid-input', `app ${app.id}: failoverReserve must be between 0 (off) and 4, got ${reserve}`);
  }
  const clusterIds = [...new Set([...app.clusters, ...app.excludedClusters])];
  const excluded = new Set(app.excludedClusters);
  return [
    {
      sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header,
              residency_json, gpu_types_json, cors_origins_json, requests_json, updated_at, limit_scope)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, name = excluded.name,
              strategy = excluded.strategy, auth_required = excluded.auth_required,
              max_concurrency = excluded.max_concurrency, max_rps = excluded.max_rps,
              affinity_header = excluded.affinity_header, residency_json = excluded.residency_json,
              gpu_types_json = excluded.gpu_types_json, cors_origins_json = excluded.cors_origins_json,
              requests_json = excluded.requests_json, updated_at = excluded.updated_at,
              limit_scope = excluded.limit_scope`,
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
        JSON.stringify(app.requests),
        now,
        app.limits.scope ?? 'region',
      ],
    },
    // Routes (schema: routes_json) in their own statement so the app row above stays as it was.
    { sql: 'UPDATE apps SET routes_json = ? WHERE id = ?', args: [JSON.stringify(app.routes ?? NO_ROUTES), app.id] },
    // Schema v32, likewise; NULL: the policy's ROUTE_FAILOVER_RESERVE applies.
    { sql: 'UPDATE apps SET failover_reserve = ? WHERE id = ?', args: [reserve ?? null, app.id] },
    { sql: 'DELETE FROM app_clusters WHERE app_id = ?', args: [app.id] },
    ...clusterIds.map((clusterId) => ({
      sql: 'INSERT INTO app_clusters (app_id, cluster_id, weight, excluded) VALUES (?, ?, ?, ?)',
      args: [app.id, clusterId, app.clusterWeights[clusterId] ?? 1, excluded.has(clusterId) ? 1 : 0],
    })),
  ];
}
