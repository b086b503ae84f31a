/** Maps an `apps` row plus its `app_clusters` rows to the domain App. */
import { describeProblems, resolveRequestRules } from '../domain/request-rules.ts';
import { DEFAULT_STRATEGY_MARKER, LIMIT_SCOPES, STRATEGIES, type App, type AppRequestRules, type LimitScope, type StrategyName } from '../domain/types.ts';
import { describeRoutesProblems, resolveRoutes } from '../routes/resolve-routes.ts';
import type { AppRoutes } from '../routes/types.ts';
import { Lru } from '../caching/lru.ts';
import { SnapshotError } from './errors.ts';
import { parseResidency } from './parse-residency.ts';
import { bool, intOrNull, json, num, numOrNull, str, strOrNull, type Row } from './row-values.ts';

function stringArray(value: unknown, where: string, column: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new SnapshotError(`${where}: ${column} must be a JSON array of strings`);
  }
  return value as string[];
}

/** `cors_origins_json`: shared with the edge's pre-snapshot gates (parse-app-gates.ts). */
export function parseCorsOrigins(appRow: Row, where: string): string[] {
  return stringArray(json(appRow, 'cors_origins_json', where), where, 'cors_origins_json');
}

/** `default` (the config named none) becomes null: the policy's default strategy applies. */
/** NULL (rows written before schema v10) = 'region'. */
function limitScope(value: string | null, where: string): LimitScope {
  if (value === null) return 'region';
  if ((LIMIT_SCOPES as readonly string[]).includes(value)) return value as LimitScope;
  throw new SnapshotError(`${where}: limit_scope must be one of ${LIMIT_SCOPES.join(', ')}, got ${JSON.stringify(value)}`);
}

function strategy(value: string, where: string): StrategyName | null {
  if (value === DEFAULT_STRATEGY_MARKER) return null;
  if ((STRATEGIES as readonly string[]).includes(value)) return value as StrategyName;
  throw new SnapshotError(
    `${where}: strategy ${JSON.stringify(value)} is not one of ${STRATEGIES.join(', ')} or ${DEFAULT_STRATEGY_MARKER}`,
  );
}

/** `requests_json` may be missing (a database not yet migrated to v2): every default then. */
function requestRules(appRow: Row, where: string): AppRequestRules {
  const value = appRow['requests_json'] === undefined ? undefined : json(appRow, 'requests_json', where);
  const result = resolveRequestRules(value);
  if (result.ok) return result.rules;
  throw new SnapshotError(`${where}: requests_json is invalid (${describeProblems(result.problems)})`);
}

/**
 * Each app's last routes, by the row text they were read from: a refresh whose `routes_json` (and
 * clusters) did not change hands back the same object, so what is compiled from it per object
 * (the edge's route matchers and trained intent classifier, workers/src/route-hook.ts) is reused,
 * not rebuilt after every refresh (once a second per isolate and routed app). One entry per app.
 */
const lastRoutes = new Lru<string, { readonly text: string; readonly clusters: string; readonly routes: AppRoutes | null }>(4_096);

/** `routes_json` may be missing (a database before the routes migration): no routes then. */
function routes(appRow: Row, appId: string, clusters: readonly string[], where: string): { routes?: AppRoutes } {
  if (appRow['routes_json'] === undefined) return {};
  const text = str(appRow, 'routes_json', where);
  const clusterKey = clusters.join('\n');
  const last = lastRoutes.get(appId);
  if (last !== undefined && last.text === text && last.clusters === clusterKey) return last.routes === null ? {} : { routes: last.routes };
  const value = json(appRow, 'routes_json', where);
  const raw = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const result = resolveRoutes(raw['routes'], raw['intents'], clusters);
  if (!result.ok) throw new SnapshotError(`${where}: routes_json is invalid (${describeRoutesProblems(result.problems)})`);
  const parsed = result.routes.routes.length === 0 ? null : result.routes;
  lastRoutes.set(appId, { text, clusters: clusterKey, routes: parsed });
  return parsed === null ? {} : { routes: parsed };
}

/** `failover_reserve`: NULL or missing (before schema v32) = absent, the policy's value applies. */
function failoverReserve(appRow: Row, where: string): { failoverReserve?: number } {
  const value = numOrNull(appRow, 'failover_reserve', where);
  if (value === null) return {};
  if (value >= 0 && value <= 4) return { failoverReserve: value };
  throw new SnapshotError(`${where}: failover_reserve must be between 0 and 4 or NULL, got ${value}`);
}

/**
 * `appRow` has the columns of `apps`; `clusterRows` the columns of `app_clusters`
 * (cluster_id, weight, excluded) for this app. Excluded clusters stay in `clusters` because
 * they are still deployed; the pipeline disqualifies them with an explicit reason.
 */
export function parseAppRow(appRow: Row, clusterRows: readonly Row[]): App {
  const id = str(appRow, 'id', 'apps row');
  const where = `apps row ${JSON.stringify(id)}`;
  const clusters: string[] = [];
  const excludedClusters: string[] = [];
  const clusterWeights: Record<string, number> = {};
  for (const row of clusterRows) {
    const clusterId = str(row, 'cluster_id', `app_clusters row of ${id}`);
    const weight = num(row, 'weight', `app_clusters row ${id}/${clusterId}`);
    if (weight < 0)
      throw new SnapshotError(
        `app_clusters row ${id}/${clusterId}: weight must be >= 0, got ${weight}`,
      );
    clusters.push(clusterId);
    clusterWeights[clusterId] = weight;
    if (bool(row, 'excluded', `app_clusters row ${id}/${clusterId}`))
      excludedClusters.push(clusterId);
  }
  const maxConcurrency = intOrNull(appRow, 'max_concurrency', where);
  const maxRps = numOrNull(appRow, 'max_rps', where);
  const scope = limitScope(strOrNull(appRow, 'limit_scope', where), where);
  return {
    id,
    projectId: str(appRow, 'project_id', where),
    name: str(appRow, 'name', where),
    clusters,
    excludedClusters,
    residency: parseResidency(json(appRow, 'residency_json', where), where),
    gpuTypes: stringArray(json(appRow, 'gpu_types_json', where), where, 'gpu_types_json'),
    strategy: strategy(str(appRow, 'strategy', where), where),
    affinityHeader: strOrNull(appRow, 'affinity_header', where),
    authRequired: bool(appRow, 'auth_required', where),
    limits: { maxConcurrency, maxRps, scope },
    corsOrigins: parseCorsOrigins(appRow, where),
    clusterWeights,
    requests: requestRules(appRow, where),
    ...routes(appRow, id, clusters, where),
    ...failoverReserve(appRow, where),
  };
}
