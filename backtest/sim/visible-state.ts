/**
 * What the decision tier can see: state rows captured from the fleet every
 * propagation interval and made visible only after the propagation delay, so
 * every strategy decides from the same stale view. Partitioned clusters stop
 * pushing: their last row stays, getting older until the stale limit hides it.
 */
import { nextAverage, reportedWait } from '../../shared/engine-metrics/request-time-average.ts';
import type { AppSnapshot, Cluster, ClusterAppState, ClusterStatus, Health, OutcomeStats } from '../../shared/domain/types.ts';
import type { ClusterRuntime, Deployment } from './fleet.ts';
import type { SimApp } from './sim-app.ts';
import { type Deployed, homesOf, pinnedStartSlots, type TenantLoad } from '../../shared/snapshot/pinned-start-slots.ts';
import { residencyAllows } from '../../shared/domain/residency.ts';

export interface PublishedRow {
  readonly hotFree: number;
  readonly hotBusy: number;
  readonly warm: number;
  readonly cold: number;
  readonly queued: number;
  readonly price: number;
  readonly health: Health;
  readonly lastServedAt: number | null;
  readonly observedAt: number;
  /** Outcomes the proxies reported over the last window (replica faults only). */
  readonly queueWaitMs: number | null;
  readonly outcomeRequests: number;
  readonly outcomeErrors: number;
  /** Mean TTFB the proxies observed of the window's successful requests (ms); null: none. */
  readonly outcomeTtfbMs: number | null;
  readonly outcomeTtfbMinMs: number | null;
  /** The autoscaler's view (`autoscalerView`): loaded replicas, those above the minimum, idle ones. */
  readonly replicas: number;
  readonly replicasAboveMin: number;
  readonly idleReplicas: number;
  /** Requests/s by client point over the window since the previous capture. */
  readonly inflow: ReadonlyMap<number, number>;
}

/**
 * What an aggregator observes of one deployment's autoscaling: loaded replicas (not those still
 * starting), how many are above the cluster's minimum, and how many carry no request. The
 * simulator pools a deployment's slots, so "idle" is what per-replica in-flight counts would
 * show when the proxy packs requests onto the fewest replicas: replicas beyond
 * ⌈(busy + queued) ÷ slots per replica⌉. A down cluster has none.
 */
export function autoscalerView(d: Deployment): { replicas: number; replicasAboveMin: number; idleReplicas: number } {
  const c = d.cluster;
  if (c.down) return { replicas: 0, replicasAboveMin: 0, idleReplicas: 0 };
  const per = c.spec.concurrencyPerReplica;
  const loaded = Math.ceil((d.busy + d.queued) / per);
  return {
    replicas: d.replicas,
    replicasAboveMin: Math.max(0, d.replicas - c.minReplicas()),
    idleReplicas: Math.max(0, d.replicas - loaded),
  };
}

/** One published view: a row per deployment index (undefined before the first push). */
export interface Publication {
  readonly version: number;
  readonly rows: ReadonlyArray<PublishedRow | undefined>;
}

/** Capture the fleet's true state now; partitioned clusters keep their previous row. */
export function capture(
  version: number,
  now: number,
  deployments: readonly Deployment[],
  previous: Publication | null,
  windowMs = 0,
): Publication {
  const rows: Array<PublishedRow | undefined> = new Array<PublishedRow | undefined>(deployments.length);
  for (const d of deployments) {
    const c = d.cluster;
    if (c.partitioned) {
      rows[d.idx] = previous?.rows[d.idx];
      continue;
    }
    // The engines' queue time as the aggregator reads it between two scrapes (engine-times.ts):
    // the mean wait of the requests started since the last report, every request counted (no
    // wait is a wait of 0), folded into the same moving average. Before, an average of the
    // queued requests' waits alone: nothing pulled it down, so a start-up queue's wait was
    // reported for the rest of the run.
    const started = d.startedSinceCapture;
    d.queueWaitAverage = nextAverage(d.queueWaitAverage, started > 0 ? d.waitSinceCaptureMs / started : null);
    const queueWaitMs = reportedWait(d.queueWaitAverage);
    d.startedSinceCapture = 0;
    d.waitSinceCaptureMs = 0;
    const spec = c.spec;
    const headroom = Math.max(0, c.maxReplicas() - d.replicas - d.starting);
    const warmNodes = Math.min(c.warmFree, headroom);
    const coldNodes = Math.min(c.coldFree, headroom - warmNodes);
    rows[d.idx] = {
      hotFree: c.down ? 0 : d.free,
      hotBusy: d.busy,
      warm: c.down ? 0 : warmNodes * spec.concurrencyPerReplica,
      cold: c.down ? 0 : coldNodes * spec.concurrencyPerReplica,
      queued: d.queued,
      price: c.price,
      // Proxies' health checks see a dead cluster; the row says so once it propagates.
      health: c.down ? 'unhealthy' : 'healthy',
      lastServedAt: d.lastServedAt,
      observedAt: now,
      queueWaitMs,
      outcomeRequests: d.outcomes.requests(now),
      outcomeErrors: d.outcomes.errors(now),
      outcomeTtfbMs: d.outcomes.ttfbMs(now),
      outcomeTtfbMinMs: d.outcomes.ttfbMinMs(now),
      ...autoscalerView(d),
      inflow: inflowRates(d, windowMs),
    };
  }
  return { version, rows };
}

/** The deployment's arrivals by client point since the last capture, as requests/s; resets the counts. */
function inflowRates(d: Deployment, windowMs: number): ReadonlyMap<number, number> {
  const out = new Map<number, number>();
  if (windowMs > 0) for (const [client, n] of d.inflow) if (n > 0) out.set(client, (n * 1000) / windowMs);
  d.inflow.clear();
  return out;
}

/** Build the AppSnapshot decide() reads for one app from a publication. */
export function appSnapshotOf(
  app: SimApp,
  clusters: readonly ClusterRuntime[],
  staticClusters: ReadonlyMap<string, Cluster>,
  pub: Publication,
  loadedAt: number,
  clientNames: readonly string[] = [],
  apps: readonly SimApp[] = [],
): AppSnapshot {
  const state = new Map<string, ClusterAppState>();
  const status = new Map<string, ClusterStatus>();
  const outcomes = new Map<string, OutcomeStats>();
  for (const d of app.deployments) {
    const row = pub.rows[d.idx];
    if (row === undefined) continue;
    const c = clusters[d.cluster.idx] as ClusterRuntime;
    const id = c.spec.id;
    state.set(id, {
      clusterId: id,
      appId: app.app.id,
      hotFree: row.hotFree,
      hotBusy: row.hotBusy,
      warm: row.warm,
      cold: row.cold,
      queued: row.queued,
      gpuType: c.spec.gpuType,
      pricePerHour: row.price,
      health: row.health,
      lastServedAt: row.lastServedAt,
      observedAt: row.observedAt,
      // What the aggregator would report: start-ups it observed (the scenario's times) and the mean service time.
      warmStartMs: c.spec.warmStartSeconds * 1000,
      coldStartMs: c.spec.coldStartSeconds * 1000,
      serviceMs: app.serviceMs,
      queueWaitMs: row.queueWaitMs,
      replicas: row.replicas,
      replicasAboveMin: row.replicasAboveMin,
      idleReplicas: row.idleReplicas,
      // The autoscaler's scale-down window, from the cluster's config (an aggregator reads it from the HPA).
      idleWindowMs: c.spec.scaleDownIdleSeconds * 1000,
      inflowByOrigin: originsOf(row.inflow, clientNames),
      pinnedStartSlots: pinnedHere(app, c, clusters, pub, apps),
    });
    if (row.outcomeRequests > 0)
      outcomes.set(id, { clusterId: id, requests: row.outcomeRequests, replicaErrors: row.outcomeErrors, ttfbMs: row.outcomeTtfbMs, ttfbMinMs: row.outcomeTtfbMinMs, observedAt: row.observedAt });
    status.set(id, { clusterId: id, health: row.health, circuitOpen: false, draining: false, observedAt: row.observedAt });
  }
  return { app: app.app, clusters: staticClusters, state, status, latency: new Map(), outcomes, loadedAt };
}

function originsOf(inflow: ReadonlyMap<number, number>, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [client, rate] of inflow) out[names[client] ?? `client-${client}`] = rate;
  return out;
}

/** The app's homes for a cluster on `continent` (`homesOf`; its deployments never change: cached). */
const homesCache = new WeakMap<SimApp, Map<string, number>>();
function homesOn(app: SimApp, clusters: readonly ClusterRuntime[], continent: Deployed['continent']): number {
  let byContinent = homesCache.get(app);
  if (byContinent === undefined) homesCache.set(app, (byContinent = new Map()));
  let n = byContinent.get(continent);
  if (n === undefined) {
    const deployed = app.deployments.map((d): Deployed => {
      const spec = (clusters[d.cluster.idx] as ClusterRuntime).spec;
      return { region: spec.region, continent: spec.continent as Deployed['continent'], gpuType: spec.gpuType, excluded: false };
    });
    byContinent.set(continent, (n = homesOf(app.app.residency, app.app.gpuTypes, deployed, continent)));
  }
  return n;
}

/** What a snapshot loader computes for the app on cluster c: the other apps' published rows there (`pinnedStartSlots`). */
function pinnedHere(app: SimApp, c: ClusterRuntime, clusters: readonly ClusterRuntime[], pub: Publication, apps: readonly SimApp[]): number {
  const continent = c.spec.continent as Deployed['continent'];
  const tenants: TenantLoad[] = [];
  for (const b of apps) {
    if (b === app) continue;
    const d = b.byCluster[c.idx];
    const row = d === undefined ? undefined : pub.rows[d.idx];
    if (row === undefined || !residencyAllows(b.app.residency, { region: c.spec.region, continent }, continent)) continue;
    let inflow = 0;
    for (const v of row.inflow.values()) inflow += v;
    tenants.push({ homes: homesOn(b, clusters, continent), hotBusy: row.hotBusy, hotFree: row.hotFree, queued: row.queued, inflowPerS: inflow, serviceMs: b.serviceMs });
  }
  if (tenants.length === 0) return 0;
  return pinnedStartSlots(homesOn(app, clusters, continent), tenants, app.serviceMs);
}
