/**
 * The fleet as the dashboard shows it: one row per cluster, grouped by region, from the same
 * tables the edge snapshot reads (clusters, cluster_status, cluster_app_state, proxies,
 * proxy_cluster_health). Pure: rows in, view model out.
 */

/** What `read-fleet.ts` returns per cluster (capacity over its apps: cluster-capacity.ts). */
export interface FleetRow {
  readonly id: string;
  readonly region: string;
  readonly provider: string;
  /** cluster_status.health; null when the aggregator never pushed. */
  readonly health: string | null;
  readonly draining: boolean;
  readonly proxyDraining: boolean;
  /** Any proxy in front of the cluster has its circuit open (for the cluster or one of its apps). */
  readonly circuitOpen: boolean;
  readonly hotFree: number;
  readonly hotBusy: number;
  readonly warm: number;
  readonly cold: number;
  readonly queued: number;
  /** False when apps list overlapping but different replicas: the capacity figures are lower bounds. */
  readonly capacityExact: boolean;
  readonly minPricePerHour: number | null;
  readonly maxPricePerHour: number | null;
  readonly gpuTypes: string;
  /** Newest push of the cluster's status or state (ms epoch). */
  readonly observedAt: number | null;
}

export type HealthView = 'healthy' | 'degraded' | 'unhealthy' | 'unknown' | 'stale';

export interface FleetClusterView {
  readonly id: string;
  readonly provider: string;
  readonly health: HealthView;
  readonly circuit: 'closed' | 'open';
  readonly draining: boolean;
  readonly hot: string;
  readonly warm: number;
  readonly cold: number;
  readonly queued: number;
  readonly price: string;
  readonly gpu: string;
  readonly stateAge: string;
  readonly stateAgeMs: number | null;
}

export interface FleetRegionView {
  readonly region: string;
  readonly clusters: readonly FleetClusterView[];
}

/** Pushed state older than this is shown as stale: the edge discounts it and soon ignores it. */
export const STALE_AFTER_MS = 5_000;

const KNOWN_HEALTH = new Set(['healthy', 'degraded', 'unhealthy']);

export function healthView(health: string | null, ageMs: number | null): HealthView {
  if (health === null || ageMs === null) return 'unknown';
  if (ageMs > STALE_AFTER_MS) return 'stale';
  return KNOWN_HEALTH.has(health) ? (health as HealthView) : 'unknown';
}

/** `0.4s`, `12s`, `3m`, `2h`; `never` when nothing was pushed. */
export function ageText(ageMs: number | null): string {
  if (ageMs === null) return 'never';
  const ms = Math.max(0, ageMs);
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 3_600_000)}h`;
}

export function priceText(min: number | null, max: number | null): string {
  if (min === null || max === null) return '-';
  return min === max ? `$${min.toFixed(2)}/h` : `$${min.toFixed(2)}–${max.toFixed(2)}/h`;
}

/** `8 free / 2 busy`; `8+ free / 2+ busy` when shared replicas make the figures lower bounds. */
export function hotText(r: Pick<FleetRow, 'hotFree' | 'hotBusy' | 'capacityExact'>): string {
  const plus = r.capacityExact ? '' : '+';
  return `${r.hotFree}${plus} free / ${r.hotBusy}${plus} busy`;
}

export function fleetView(rows: readonly FleetRow[], now: number): FleetRegionView[] {
  const regions = new Map<string, FleetClusterView[]>();
  for (const r of [...rows].sort((a, b) => a.region.localeCompare(b.region) || a.id.localeCompare(b.id))) {
    const ageMs = r.observedAt === null ? null : Math.max(0, now - r.observedAt);
    const list = regions.get(r.region) ?? [];
    list.push({
      id: r.id,
      provider: r.provider,
      health: healthView(r.health, ageMs),
      circuit: r.circuitOpen ? 'open' : 'closed',
      draining: r.draining || r.proxyDraining,
      hot: hotText(r),
      warm: r.warm,
      cold: r.cold,
      queued: r.queued,
      price: priceText(r.minPricePerHour, r.maxPricePerHour),
      gpu: r.gpuTypes === '' ? '-' : r.gpuTypes,
      stateAge: ageText(ageMs),
      stateAgeMs: ageMs,
    });
    regions.set(r.region, list);
  }
  return [...regions.entries()].map(([region, clusters]) => ({ region, clusters }));
}
