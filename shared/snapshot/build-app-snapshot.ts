/**
 * Turns the result sets of `APP_SNAPSHOT_STATEMENTS` into the in-memory `AppSnapshot` the
 * decision pipeline reads. Pure: the caller did the I/O and passes `now`.
 */
import type {
  AppSnapshot,
  Cluster,
  ClusterAppState,
  ClusterStatus,
  Health,
  LatencyMeasurement,
} from '../domain/types.ts';
import { SnapshotError } from './errors.ts';
import { parseAppRow } from './parse-app.ts';
import { parseClusterRow } from './parse-cluster.ts';
import { parseJobPinRows } from './parse-job-pins.ts';
import { parseInflowRows } from './parse-inflow.ts';
import { parseOutcomeRows } from './parse-outcomes.ts';
import { parsePinnedSlots } from './parse-tenants.ts';
import { parseRolloutRow, parseVersionRows } from '../rollout/parse-rollout-rows.ts';
import { bool, boolOrNull, int, intOrNull, num, numOrNull, str, type Row } from './row-values.ts';
import { SNAPSHOT_PARTS } from './statements.ts';
import { DEFAULT_POLICY } from '../decision/policy.ts';
import type { Policy } from '../decision/types.ts';

const HEALTHS: readonly Health[] = ['healthy', 'degraded', 'unhealthy', 'unknown'];

/** Severity for worst-of; `unknown` ranks below every known value (see `worstHealth`). */
const SEVERITY: Readonly<Record<Health, number>> = {
  unknown: 0,
  healthy: 1,
  degraded: 2,
  unhealthy: 3,
};

function health(row: Row, column: string, where: string): Health {
  const value = str(row, column, where);
  if ((HEALTHS as readonly string[]).includes(value)) return value as Health;
  throw new SnapshotError(
    `${where}: ${column} ${JSON.stringify(value)} is not one of ${HEALTHS.join(', ')}`,
  );
}

/**
 * Worst of several reports. An `unknown` report (e.g. a proxy that has not probed yet) does not
 * override what others know; the result is `unknown` only when nobody knows.
 */
export function worstHealth(values: readonly Health[]): Health {
  return values.reduce<Health>(
    (worst, h) => (SEVERITY[h] > SEVERITY[worst] ? h : worst),
    'unknown',
  );
}

/**
 * `inflow`: the row's inflow by origin, built into the same literal (not spread on afterwards:
 * a state re-spread with one more field made every decide() on it ~3× slower in
 * bench/decision.ts, its property loads no longer monomorphic).
 */
function parseState(row: Row, inflow: Readonly<Record<string, number>> | undefined, pinned: number | undefined): ClusterAppState {
  const where = `cluster_app_state row ${String(row['cluster_id'])}/${String(row['app_id'])}`;
  // Absent before schema v5 and null when not reported: left out, so the policy defaults apply.
  const warmStartMs = positiveOrNull(row, 'warm_start_ms', where);
  const coldStartMs = positiveOrNull(row, 'cold_start_ms', where);
  // Absent before schema v18 and null when not reported: left out (no replica time charged).
  const replicas = positiveOrNull(row, 'replicas', where);
  const replicasAboveMin = positiveOrNull(row, 'replicas_above_min', where);
  const idleReplicas = positiveOrNull(row, 'idle_replicas', where);
  const idleWindowMs = positiveOrNull(row, 'idle_window_ms', where);
  // Absent before schema v36 and null when not reported (the engine has no such histograms).
  const queueWaitMs = positiveOrNull(row, 'queue_wait_ms', where);
  const serviceMs = positiveOrNull(row, 'service_ms', where);
  return {
    clusterId: str(row, 'cluster_id', where),
    appId: str(row, 'app_id', where),
    hotFree: int(row, 'hot_free', where),
    hotBusy: int(row, 'hot_busy', where),
    warm: int(row, 'warm', where),
    cold: int(row, 'cold', where),
    queued: int(row, 'queued', where),
    gpuType: str(row, 'gpu_type', where),
    pricePerHour: num(row, 'price_per_hour', where),
    health: health(row, 'health', where),
    lastServedAt: intOrNull(row, 'last_served_at', where),
    observedAt: int(row, 'observed_at', where),
    ...(warmStartMs === null ? {} : { warmStartMs }),
    ...(coldStartMs === null ? {} : { coldStartMs }),
    ...(replicas === null ? {} : { replicas }),
    ...(replicasAboveMin === null ? {} : { replicasAboveMin }),
    ...(idleReplicas === null ? {} : { idleReplicas }),
    ...(idleWindowMs === null ? {} : { idleWindowMs }),
    ...(queueWaitMs === null ? {} : { queueWaitMs }),
    ...(serviceMs === null ? {} : { serviceMs }),
    ...(inflow === undefined ? {} : { inflowByOrigin: inflow }),
    ...(pinned === undefined ? {} : { pinnedStartSlots: pinned }),
  };
}

/** A start-up time or replica count: a negative one is a writer's bug (a start faster than instant, fewer than no replicas). */
function positiveOrNull(row: Row, column: string, where: string): number | null {
  const v = numOrNull(row, column, where);
  if (v !== null && v < 0) throw new SnapshotError(`${where}: column ${column} must be >= 0, got ${v}`);
  return v;
}

interface ProxyHealthRow {
  readonly health: Health;
  readonly circuitOpen: boolean;
  readonly measurement: LatencyMeasurement;
}

/**
 * Circuits are per cluster × app at the proxy: a report opens the cluster's circuit only for
 * the apps it names, so one tenant's failures never disqualify a cluster for another app.
 * Rows without the list (proxies from before schema v3) apply to every app.
 */
function circuitOpenFor(row: Row, appId: string, where: string): boolean {
  const open = bool(row, 'circuit_open', where);
  const raw = row['open_circuit_apps_json'];
  if (!open || raw === null || raw === undefined) return open;
  let apps: unknown;
  try {
    apps = JSON.parse(String(raw));
  } catch {
    throw new SnapshotError(`${where}: open_circuit_apps_json is not JSON`);
  }
  if (!Array.isArray(apps))
    throw new SnapshotError(`${where}: open_circuit_apps_json must be a JSON array`);
  return apps.includes(appId);
}

function parseProxyHealth(row: Row, appId: string): ProxyHealthRow {
  const where = `proxy_cluster_health row ${String(row['proxy_id'])}/${String(row['cluster_id'])}`;
  return {
    health: health(row, 'health', where),
    circuitOpen: circuitOpenFor(row, appId, where),
    measurement: {
      clusterId: str(row, 'cluster_id', where),
      source: str(row, 'proxy_id', where),
      rttMs: num(row, 'rtt_ms', where),
      ttftMs: numOrNull(row, 'ttft_ms', where),
      samples: int(row, 'samples', where),
      observedAt: int(row, 'observed_at', where),
    },
  };
}

/**
 * Status per cluster merges three sources: the aggregator's `cluster_status` row, the fronting
 * proxy's draining flag, and every proxy's `proxy_cluster_health` rows. A cluster is draining if
 * it or its proxy is; its circuit is open if ANY proxy has it open for this app (so the edge stops sending
 * traffic a proxy would refuse); health is the worst of all reports. Clusters with no source
 * at all have no status entry (the pipeline treats that as unknown).
 */
function mergeStatus(statusRow: Row, proxyRows: readonly ProxyHealthRow[]): ClusterStatus | null {
  const clusterId = str(statusRow, 'cluster_id', 'cluster status row');
  const where = `cluster_status row ${JSON.stringify(clusterId)}`;
  const ownHealth =
    statusRow['health'] === null || statusRow['health'] === undefined
      ? null
      : health(statusRow, 'health', where);
  const draining = boolOrNull(statusRow, 'draining', where) ?? false;
  const proxyDraining = boolOrNull(statusRow, 'proxy_draining', where) ?? false;
  const observedAt = intOrNull(statusRow, 'observed_at', where);
  if (ownHealth === null && proxyRows.length === 0 && !proxyDraining) return null;
  const reports = [...(ownHealth === null ? [] : [ownHealth]), ...proxyRows.map((p) => p.health)];
  return {
    clusterId,
    health: worstHealth(reports),
    circuitOpen: proxyRows.some((p) => p.circuitOpen),
    draining: draining || proxyDraining,
    // Without an aggregator report, the status is as fresh as the newest proxy report.
    observedAt: observedAt ?? Math.max(0, ...proxyRows.map((p) => p.measurement.observedAt)),
  };
}

/** Result sets as plain rows, in `APP_SNAPSHOT_STATEMENTS` order (a libSQL `ResultSet[]` fits). */
export type SnapshotResults = readonly { readonly rows: readonly Row[] }[];

/**
 * Build one app's snapshot. Returns null when the app does not exist. Throws `SnapshotError`
 * when a row does not fit the domain model (the message names the row).
 */
export interface BuildSnapshotOptions {
  /**
   * Proxy reports older than this no longer count towards a cluster's health and circuit
   * breaker, so a proxy that died with its circuit open does not block the cluster forever.
   * Their latency measurements are kept (they carry `observedAt`). Default: every report counts.
   */
  readonly maxProxyReportAgeMs?: number;
  /**
   * The policy the reader decides with. Its service time (`ROUTE_SERVICE_TIME`) turns other apps'
   * inflow into the slots they need (`pinnedStartSlots`; their state rows report no service
   * time), as the decision turns this app's rows into room: one number for both. Default: the
   * default policy; the edge's and the proxy's loaders pass the one they decide with.
   */
  readonly policy?: Pick<Policy, 'ttft'>;
}

export function buildAppSnapshot(
  results: SnapshotResults,
  now: number,
  options: BuildSnapshotOptions = {},
): AppSnapshot | null {
  // The last parts are optional: readers built before outcome feedback, job pins, rollouts, inflow or tenants send fewer.
  if (results.length > SNAPSHOT_PARTS.length || results.length < SNAPSHOT_PARTS.length - 6) {
    throw new SnapshotError(
      `expected ${SNAPSHOT_PARTS.length} result sets (${SNAPSHOT_PARTS.join(', ')}), got ${results.length}`,
    );
  }
  const [appRs, appClustersRs, clustersRs, stateRs, statusRs, healthRs, outcomesRs, pinsRs, versionsRs, rolloutRs, inflowRs, tenantsRs] = results;
  const appRow = appRs?.rows[0];
  if (appRow === undefined) return null;
  const app = parseAppRow(appRow, appClustersRs?.rows ?? []);

  const clusters = new Map<string, Cluster>();
  for (const row of clustersRs?.rows ?? []) {
    const cluster = parseClusterRow(row);
    clusters.set(cluster.id, cluster);
  }
  const state = new Map<string, ClusterAppState>();
  const inflow = inflowRs === undefined ? null : parseInflowRows(inflowRs.rows);
  const stateRows = stateRs?.rows ?? [];
  const pinned = tenantsRs === undefined ? null : parsePinnedSlots(app, clusters, stateRows, tenantsRs.rows, (options.policy ?? DEFAULT_POLICY).ttft.serviceMs);
  for (const row of stateRows) {
    // With the inflow part, every row carries a map (empty: nobody sent there in the window).
    const id = String(row['cluster_id']);
    const s = parseState(row, inflow === null ? undefined : (inflow.get(id) ?? {}), pinned === null ? undefined : (pinned.get(id) ?? 0));
    state.set(s.clusterId, s);
  }
  const proxyRows = new Map<string, ProxyHealthRow[]>();
  const latency = new Map<string, LatencyMeasurement[]>();
  for (const row of healthRs?.rows ?? []) {
    const p = parseProxyHealth(row, app.id);
    const id = p.measurement.clusterId;
    const fresh =
      options.maxProxyReportAgeMs === undefined ||
      now - p.measurement.observedAt <= options.maxProxyReportAgeMs;
    if (fresh) proxyRows.set(id, [...(proxyRows.get(id) ?? []), p]);
    latency.set(id, [...(latency.get(id) ?? []), p.measurement]);
  }
  const status = new Map<string, ClusterStatus>();
  for (const row of statusRs?.rows ?? []) {
    const merged = mergeStatus(row, proxyRows.get(String(row['cluster_id'])) ?? []);
    if (merged !== null) status.set(merged.clusterId, merged);
  }
  const outcomes = parseOutcomeRows(outcomesRs?.rows ?? []);
  const jobPins = parseJobPinRows(pinsRs?.rows ?? [], now);
  const versions = parseVersionRows(versionsRs?.rows ?? []);
  const rollout = parseRolloutRow(rolloutRs?.rows[0]);
  return {
    app, clusters, state, status, latency, outcomes,
    ...(jobPins.size > 0 ? { jobPins } : {}),
    ...(versions.size > 0 ? { versions } : {}),
    ...(rollout === null ? {} : { rollout }),
    loadedAt: now,
  };
}
