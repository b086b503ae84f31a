/**
 * Start-up capacity other tenants depend on. A cluster's warm and cold nodes are shared by the
 * apps deployed there; an app whose residency, hardware or exclusions leave it few homes cannot
 * take its demand elsewhere when they run out, so an app with more homes should not start its
 * overflow on them ("no tenant may ever be able to affect another"). Computed when a snapshot is
 * built, from what a control plane has: each app's config (residency, GPU types, clusters) and
 * the aggregators' state rows and the proxies' inflow. One implementation for the Worker's
 * loader (`build-app-snapshot.ts`) and the simulator's visible state.
 */
import type { Continent, Residency } from '../domain/types.ts';
import { residencyAllows } from '../domain/residency.ts';

/** One deployment of an app, as its homes are counted. */
export interface Deployed {
  readonly region: string;
  readonly continent: Continent;
  /** GPU type its state row reports; null: no row yet (not held against it). */
  readonly gpuType: string | null;
  readonly excluded: boolean;
}

/** How many clusters the app may serve from, for a client on `continent` (client-continent residency). */
export function homesOf(residency: Residency, gpuTypes: readonly string[], deployments: readonly Deployed[], continent: Continent): number {
  let n = 0;
  for (const d of deployments) {
    if (d.excluded || (gpuTypes.length > 0 && d.gpuType !== null && !gpuTypes.includes(d.gpuType))) continue;
    if (residencyAllows(residency, d, continent)) n++;
  }
  return n;
}

/** Another app's load on the cluster, and how many homes it has. */
export interface TenantLoad {
  readonly homes: number;
  readonly hotBusy: number;
  readonly hotFree: number;
  readonly queued: number;
  /** Requests/s it received here over the last inflow window (null: not known). */
  readonly inflowPerS: number | null;
  /**
   * Mean time a request holds a slot (null: not known; `fallbackServiceMs` applies). The
   * snapshot loader gives the mean duration of the tenant's recent answered attempts on the
   * cluster (`parse-tenants.ts`); the simulator its true mean. Neither is capped: a tenant's
   * share is bounded by its own limits (`maxInFlight`), not by a guessed time.
   */
  readonly serviceMs: number | null;
  /**
   * Most requests its own limits let be in flight on this cluster (its proxies refuse the rest
   * before any replica sees them); absent or null: no bound known.
   */
  readonly maxInFlight?: number | null;
}

/**
 * Slots the tenants with fewer homes than `ownHomes` need beyond their loaded ones: their demand
 * (busy + queued, or inflow × service time if larger — a queue lags the arrivals), never more
 * than their own limits admit, less their busy and free slots. Tenants with as many homes or
 * more are this app's equals: not counted.
 */
export function pinnedStartSlots(ownHomes: number, tenants: readonly TenantLoad[], fallbackServiceMs: number): number {
  let pinned = 0;
  for (const t of tenants) {
    if (!(t.homes < ownHomes)) continue;
    const loaded = Math.max(0, t.hotBusy) + Math.max(0, t.hotFree);
    const queued = Math.max(0, t.hotBusy) + Math.max(0, t.queued);
    const service = t.serviceMs !== null && t.serviceMs > 0 ? t.serviceMs : fallbackServiceMs;
    const arriving = t.inflowPerS !== null && t.inflowPerS > 0 ? (t.inflowPerS * service) / 1000 : 0;
    const cap = t.maxInFlight !== undefined && t.maxInFlight !== null && t.maxInFlight >= 0 ? t.maxInFlight : Infinity;
    pinned += Math.max(0, Math.min(cap, Math.max(queued, arriving)) - loaded);
  }
  return pinned;
}
