import type { ApiKey, App, Cluster, Project } from '../../shared/domain/types.ts';
import { NO_ROUTES } from '../../shared/routes/types.ts';
import type { DesiredConfig } from './types.ts';

export type ConfigChange =
  | { readonly kind: 'project'; readonly op: '+' | '~'; readonly id: string; readonly fields: readonly string[]; readonly value: Project }
  | { readonly kind: 'cluster'; readonly op: '+' | '~'; readonly id: string; readonly fields: readonly string[]; readonly value: Cluster }
  | { readonly kind: 'app'; readonly op: '+' | '~'; readonly id: string; readonly fields: readonly string[]; readonly value: App }
  | { readonly kind: 'api-key'; readonly op: '+' | '~'; readonly id: string; readonly fields: readonly string[]; readonly value: ApiKey };

/** Lists are compared as sets where order carries no meaning, so a reordered config is "no changes". */
function normalizeApp(app: App): Record<string, unknown> {
  const weights: Record<string, number> = {};
  for (const c of [...app.clusters].sort()) weights[c] = app.clusterWeights[c] ?? 1;
  return {
    projectId: app.projectId,
    name: app.name,
    clusters: [...app.clusters].sort(),
    excludedClusters: [...app.excludedClusters].sort(),
    residency: app.residency,
    gpuTypes: app.gpuTypes,
    strategy: app.strategy,
    affinityHeader: app.affinityHeader,
    authRequired: app.authRequired,
    limits: app.limits,
    corsOrigins: app.corsOrigins,
    clusterWeights: weights,
    requests: app.requests,
    routes: app.routes ?? NO_ROUTES,
    failoverReserve: app.failoverReserve ?? null,
  };
}

/** A removed budget is a change too (a field absent on both sides is not). */
function normalizeProject(p: Project): Record<string, unknown> {
  return { name: p.name, tokenBudget: p.tokenBudget ?? null };
}

function asRecord(value: object): Record<string, unknown> {
  return { ...value };
}

function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return Object.keys(after).filter((k) => k !== 'id' && JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

function diffList<T extends { readonly id: string }>(
  current: readonly T[],
  desired: readonly T[],
  normalize: (v: T) => Record<string, unknown>,
  make: (op: '+' | '~', value: T, fields: string[]) => ConfigChange,
): ConfigChange[] {
  const byId = new Map(current.map((v) => [v.id, v]));
  const out: ConfigChange[] = [];
  for (const want of desired) {
    const have = byId.get(want.id);
    if (have === undefined) out.push(make('+', want, []));
    else {
      const fields = changedFields(normalize(have), normalize(want));
      if (fields.length > 0) out.push(make('~', want, fields));
    }
  }
  return out;
}

/**
 * What `apply` must write to turn `current` into `desired`, in dependency order (projects,
 * clusters, apps, keys). Pure. Things present only in the database are left alone: clusters
 * register themselves through their aggregators, and deleting is too sharp for a default.
 */
export function diffConfig(current: DesiredConfig, desired: DesiredConfig): ConfigChange[] {
  return [
    ...diffList(current.projects, desired.projects, normalizeProject, (op, value, fields) => ({ kind: 'project', op, id: value.id, fields, value })),
    ...diffList(current.clusters, desired.clusters, asRecord, (op, value, fields) => ({ kind: 'cluster', op, id: value.id, fields, value })),
    ...diffList(current.apps, desired.apps, normalizeApp, (op, value, fields) => ({ kind: 'app', op, id: value.id, fields, value })),
    // The hash is shown as "hash" only: never print key material, even hashed.
    ...diffList(current.apiKeys, desired.apiKeys, asRecord, (op, value, fields) => ({ kind: 'api-key', op, id: value.id, fields, value })),
  ];
}

/** `+ app acme/chat`, `~ cluster us-east-1 (provider, proxyUrl)`. */
export function formatChange(change: ConfigChange): string {
  const label = change.kind === 'api-key' ? 'api key' : change.kind;
  return change.op === '+' ? `+ ${label} ${change.id}` : `~ ${label} ${change.id} (${change.fields.join(', ')})`;
}
