/**
 * The other apps on this app's clusters (the snapshot's `tenants` statement) and the start-up
 * slots of each cluster that those with fewer homes need (`pinned-start-slots.ts`), as
 * `ClusterAppState.pinnedStartSlots`. Pure: rows in, numbers out.
 */
import type { App, Cluster, Continent } from '../domain/types.ts';
import { SnapshotError } from './errors.ts';
import { parseResidency } from './parse-residency.ts';
import { type Deployed, homesOf, pinnedStartSlots, type TenantLoad } from './pinned-start-slots.ts';
import { residencyAllows } from '../domain/residency.ts';
import { bool, int, intOrNull, json, numOrNull, str, strOrNull, type Row } from './row-values.ts';
import { INFLOW_WINDOW_MS } from './statements.ts';

interface Tenant {
  readonly residency: App['residency'];
  readonly gpuTypes: readonly string[];
  readonly deployments: Deployed[];
  /** Its in-flight bound on any one cluster (`inFlightBound`); null: none known. */
  readonly maxInFlight: number | null;
  /** Its load per cluster id, where it has a state row (homes filled in per cluster). */
  readonly load: Map<string, Omit<TenantLoad, 'homes'>>;
}

/**
 * What a tenant's `maxConcurrency` bounds on one cluster: a cluster is reached through the
 * proxies of its region, and a region- (the default) or global-scope limit is shared by all of
 * them. A per-proxy limit is not: each of the region's proxies may admit that many.
 */
function inFlightBound(maxConcurrency: number | null, scope: string | null): number | null {
  return scope === 'proxy' ? null : maxConcurrency;
}

/**
 * Tenant rows grouped by app: config, every deployment (for its homes), its load where it has
 * state. These are OTHER apps' rows, so one that cannot be read (a hand edit, a newer writer's
 * residency kind during a rolling deploy) leaves that tenant out of the estimate instead of
 * failing this app's snapshot: no tenant's config may break another's routing. The unreadable
 * app still fails loudly where it is the app being loaded (`parseAppRow` is strict).
 */
export function parseTenantRows(rows: readonly Row[]): Map<string, Tenant> {
  const out = new Map<string, Tenant>();
  const unreadable = new Set<string>();
  for (const row of rows) {
    const appId = String(row['app_id']);
    if (unreadable.has(appId)) continue;
    try {
      addTenantRow(out, row);
    } catch (err) {
      if (!(err instanceof SnapshotError)) throw err;
      unreadable.add(appId);
      out.delete(appId);
    }
  }
  return out;
}

function addTenantRow(out: Map<string, Tenant>, row: Row): void {
  const where = `tenants row ${String(row['app_id'])}/${String(row['cluster_id'])}`;
  const appId = str(row, 'app_id', where);
  let t = out.get(appId);
  if (t === undefined) {
    const gpu = json(row, 'gpu_types_json', where);
    if (!Array.isArray(gpu) || gpu.some((g) => typeof g !== 'string')) throw new SnapshotError(`${where}: gpu_types_json must be a JSON array of strings`);
    t = {
      residency: parseResidency(json(row, 'residency_json', where), where),
      gpuTypes: gpu as string[],
      deployments: [],
      maxInFlight: inFlightBound(intOrNull(row, 'max_concurrency', where), strOrNull(row, 'limit_scope', where)),
      load: new Map(),
    };
    out.set(appId, t);
  }
  const gpuType = strOrNull(row, 'gpu_type', where);
  t.deployments.push({ region: str(row, 'region', where), continent: str(row, 'continent', where) as Continent, gpuType, excluded: bool(row, 'excluded', where) });
  const busy = intOrNull(row, 'hot_busy', where);
  if (busy === null) return; // no state row: no load known here
  // Attempts in the window; fractional when the window starts inside a second (statements.ts).
  const requests = numOrNull(row, 'inflow_requests', where);
  t.load.set(str(row, 'cluster_id', where), {
    hotBusy: busy,
    hotFree: int(row, 'hot_free', where),
    queued: int(row, 'queued', where),
    inflowPerS: requests === null ? null : requests / (INFLOW_WINDOW_MS / 1000),
    // The mean duration of its attempts here (`pinnedByCluster` bounds it by the policy's).
    serviceMs: numOrNull(row, 'mean_duration_ms', where),
    maxInFlight: t.maxInFlight,
  });
}

/** Pinned start-up slots per cluster id of `app` (clusters without tenants with fewer homes: 0). */
export function pinnedByCluster(
  app: App,
  clusters: ReadonlyMap<string, Cluster>,
  gpuTypeOf: ReadonlyMap<string, string>,
  tenants: ReadonlyMap<string, Tenant>,
  fallbackServiceMs: number,
): Map<string, number> {
  const own: Deployed[] = [];
  for (const id of app.clusters) {
    const c = clusters.get(id);
    if (c !== undefined) own.push({ region: c.region, continent: c.continent, gpuType: gpuTypeOf.get(id) ?? null, excluded: app.excludedClusters.includes(id) });
  }
  const out = new Map<string, number>();
  for (const id of app.clusters) {
    const c = clusters.get(id);
    if (c === undefined) continue;
    const loads: TenantLoad[] = [];
    for (const t of tenants.values()) {
      const load = t.load.get(id);
      if (load === undefined || !residencyAllows(t.residency, c, c.continent)) continue;
      // Priced at its observed mean duration (Little's law: inflow × time held), as the simulator
      // prices its tenants: cheap requests pin only the slots they hold, and long ones the slots
      // they really hold. Capping the time at the policy's starved apps with few homes behind
      // long-request tenants (week-12h: 0 → 866 rejections); what one tenant can take from the
      // others is bounded by its region- or global-scope maxConcurrency (`maxInFlight`), not by a guessed time.
      loads.push({ ...load, homes: homesOf(t.residency, t.gpuTypes, t.deployments, c.continent) });
    }
    out.set(id, loads.length === 0 ? 0 : pinnedStartSlots(homesOf(app.residency, app.gpuTypes, own, c.continent), loads, fallbackServiceMs));
  }
  return out;
}

/** `pinnedByCluster` from the snapshot's rows: the app's state rows give its clusters' GPU types. */
export function parsePinnedSlots(app: App, clusters: ReadonlyMap<string, Cluster>, stateRows: readonly Row[], tenantRows: readonly Row[], fallbackServiceMs: number): Map<string, number> {
  const gpu = new Map<string, string>();
  for (const row of stateRows) {
    const t = row['gpu_type'];
    if (typeof t === 'string') gpu.set(String(row['cluster_id']), t);
  }
  return pinnedByCluster(app, clusters, gpu, parseTenantRows(tenantRows), fallbackServiceMs);
}
