import type {
  AppSnapshot,
  Cluster,
  ClusterAppState,
  ClusterStatus,
  GeoPoint,
  LatencyMeasurement,
  OutcomeStats,
  Tier,
} from '../domain/types.ts';
import { estimateRttsMs } from '../geo/rtt-model.ts';
import type { Disqualification } from './disqualification.ts';
import { formatPrice, staticWeightModifier } from './modifiers.ts';
import { unpinnedHeadroom } from './share-of-room.ts';
import { marginalPrice, reportedMs } from './ttft-terms.ts';
import { tierOf, tierRank } from './tiers.ts';
import type { ModifierFactor } from './types.ts';
import { OwnerMemo } from '../caching/owner-memo.ts';

/**
 * Everything about one candidate that depends only on the snapshot, resolved
 * once per snapshot so `decide()` does no map lookups, set building or string
 * formatting for it per request.
 */
export interface CompiledCandidate {
  /** Position in `CompiledSnapshot.candidates` (indexes per-candidate arrays such as geo RTTs). */
  readonly index: number;
  readonly id: string;
  readonly cluster: Cluster | null;
  readonly state: ClusterAppState | null;
  readonly status: ClusterStatus | null;
  /** Latency measured by the cluster's own regional proxy (the hop a routed request takes); null if none. */
  readonly measured: LatencyMeasurement | null;
  /** Recent outcomes of the app on this cluster (error rate, observed TTFB); null if none reported. */
  readonly outcomes: OutcomeStats | null;
  /** Canary / version-split weight from app config (missing = 1, negatives clamp to 0). */
  readonly staticWeight: number;
  readonly staticWeightModifier: ModifierFactor;
  /** "$2.57/h" for the cost modifier's detail ("" without state). */
  readonly priceLabel: string;
  /** Disqualifications that hold for every request: unknown-cluster, excluded, static residency, hardware. */
  readonly staticDisqualifications: readonly Disqualification[];
  /** The app is restricted to the client's continent: checked per request. */
  readonly clientContinentOnly: boolean;
  /** The state's requests/s by deciding colo (`share-of-room.ts`); null without inflow data. */
  readonly inflow: Readonly<Record<string, number>> | null;
  /** Sum of `inflow`'s rates (NaN without inflow data): every decision on the snapshot reads it. */
  readonly inflowTotal: number;
  /**
   * What every decision reads of the state and what follows from it alone (0 without state):
   * its hot busy and loaded (busy + free) slots, each clamped at 0, and `marginalPrice`.
   */
  readonly busySlots: number;
  readonly loadedSlots: number;
  readonly marginalPrice: number;
  /** The state has loaded replicas (hot busy + hot free > 0, unclamped, as the terms test it). */
  readonly hasLoaded: boolean;
  /** The state's best tier (`tierOf`; null without state) and its TIER_RANK: a row's when no hard filter disqualifies it. */
  readonly tier: Tier | null;
  readonly tierRank: number;
  /**
   * What the share-of-room caps read of the state on every capped decision, resolved here as the
   * snapshot is immutable: the reported service time and warm / cold start times (NaN where not
   * reported, or not usable: the policy's applies) and the app's unpinned start-up slots, warm and
   * warm + cold (`unpinnedHeadroom`; 0 without state).
   */
  readonly serviceMs: number;
  readonly warmStartMs: number;
  readonly coldStartMs: number;
  readonly warmHeadroom: number;
  readonly startHeadroom: number;
  /**
   * The state's hot free slots less its queue, and its hot busy slots, as reported (NaN without
   * state): the caps' loaded room (`claimOf`), read here so a capped decision does not load them
   * from state rows of several shapes.
   */
  readonly freeLessQueued: number;
  readonly hotBusy: number;
  /**
   * The slowness term's evidence (`slownessTerm`, ttft-terms.ts), all fixed by the snapshot:
   * the app's TTFB here that no queue explains (`ttfbOwnMs`, from `ttfbUnexplained`: the least observed; NaN when
   * there is no such evidence: no state, no TTFB, no successful request, or requests queued now),
   * and the median of the same on the app's other clusters that have it (`ttfbBaselineMs`, NaN
   * when none; `ttfbPeers` of them). `ttfbSamples`: the successful requests measured.
   */
  readonly ttfbOwnMs: number;
  readonly ttfbBaselineMs: number;
  readonly ttfbPeers: number;
  readonly ttfbSamples: number;
}

export interface CompiledSnapshot {
  readonly candidates: readonly CompiledCandidate[];
  /**
   * Modelled RTT from `client` to each candidate (NaN for unknown clusters),
   * memoised per client location: requests arrive from a few hundred edge
   * locations, so the trigonometry is done once per location per snapshot.
   */
  geoRttFrom(client: GeoPoint): Float64Array;
  /**
   * The requests/s each candidate gets from deciding colo `origin` (0 where none is recorded,
   * NaN for candidates without inflow data), memoised per origin: one Map lookup per decision
   * instead of a property lookup in a many-colo record per candidate.
   */
  inflowFrom(origin: string): Float64Array;
  /** Some candidate's state carries inflow by origin (without any, no share-of-room cap applies). */
  readonly hasInflow: boolean;
  /** The app's own failover reserve; null: the policy's applies (compiling has no policy). */
  readonly failoverReserve: number | null;
}

// Bounds the memo when clients report many distinct coordinates (e.g. city-level geolocation).
const MAX_GEO_ENTRIES = 1024;

const EMPTY: readonly Disqualification[] = Object.freeze([]);

// Snapshots are immutable values replaced wholesale on refresh, so the
// compiled view can be cached on the object itself and dropped with it.
const cache = new OwnerMemo<AppSnapshot, CompiledSnapshot>('compiled snapshot');

/** The compiled view of `snap` (cached per snapshot object; call at refresh time to keep it off the hot path). */
export function compileSnapshot(snap: AppSnapshot): CompiledSnapshot {
  let compiled = cache.get(snap);
  if (compiled === undefined) {
    compiled = build(snap);
    cache.set(snap, compiled);
  }
  return compiled;
}

/** Whether `snap`'s compiled view exists already (a decision on it will not compile; see `prime-snapshot.ts`). */
export function isCompiled(snap: AppSnapshot): boolean {
  return cache.has(snap);
}

function build(snap: AppSnapshot): CompiledSnapshot {
  const app = snap.app;
  const excluded = new Set(app.excludedClusters);
  const gpuTypes = new Set(app.gpuTypes);
  const residency = app.residency;
  const allowedContinents =
    residency.kind === 'continents' ? new Set<string>(residency.continents) : null;
  const allowedRegions = residency.kind === 'regions' ? new Set(residency.regions) : null;
  const seen = new Set<string>();
  const candidates: CompiledCandidate[] = [];

  for (const id of app.clusters) {
    if (seen.has(id)) continue; // a cluster listed twice is one candidate, not double weight
    seen.add(id);
    const cluster = snap.clusters.get(id) ?? null;
    const state = snap.state.get(id) ?? null;
    const disq: Disqualification[] = [];

    if (cluster === null) {
      disq.push({
        code: 'unknown-cluster',
        detail: `no static facts for cluster "${id}" (never registered, or removed)`,
      });
    } else if (allowedContinents !== null && !allowedContinents.has(cluster.continent)) {
      disq.push({
        code: 'residency',
        detail: `cluster is in ${cluster.continent}; app may run only in ${[...allowedContinents].join(', ')}`,
      });
    } else if (allowedRegions !== null && !allowedRegions.has(cluster.region)) {
      disq.push({
        code: 'residency',
        detail: `cluster is in region ${cluster.region}; app may run only in ${[...allowedRegions].join(', ')}`,
      });
    }
    if (excluded.has(id)) disq.push({ code: 'excluded', detail: "excluded in the app's config" });
    // GPU type barely changes, so even stale state is trusted for it.
    if (state !== null && gpuTypes.size > 0 && !gpuTypes.has(state.gpuType)) {
      disq.push({
        code: 'hardware',
        detail: `GPU ${state.gpuType}; app needs ${app.gpuTypes.join(' or ')}`,
      });
    }

    const inflow = state === null ? null : (state.inflowByOrigin ?? null);
    const outcomes = snap.outcomes?.get(id) ?? null;
    const startUp = startUpFacts(state);
    const configured = app.clusterWeights[id];
    const weight =
      configured === undefined || !Number.isFinite(configured) ? 1 : Math.max(0, configured);
    candidates.push({
      index: candidates.length,
      id,
      cluster,
      state,
      status: snap.status.get(id) ?? null,
      measured:
        cluster === null ? null : ownProxyMeasurement(snap.latency.get(id), cluster.proxyId),
      outcomes,
      staticWeight: weight,
      staticWeightModifier: staticWeightModifier(weight),
      priceLabel: state === null ? '' : formatPrice(state.pricePerHour),
      staticDisqualifications: disq.length === 0 ? EMPTY : disq,
      clientContinentOnly: residency.kind === 'client-continent',
      inflow,
      inflowTotal: inflow === null ? NaN : sumOf(inflow),
      busySlots: state === null ? 0 : Math.max(0, state.hotBusy),
      loadedSlots: state === null ? 0 : Math.max(0, state.hotBusy) + Math.max(0, state.hotFree),
      marginalPrice: state === null ? 0 : marginalPrice(state.pricePerHour, state),
      hasLoaded: state !== null && state.hotBusy + state.hotFree > 0,
      tier: state === null ? null : tierOf(state),
      tierRank: tierRank(state === null ? null : tierOf(state)),
      serviceMs: startUp.serviceMs,
      warmStartMs: startUp.warmStartMs,
      coldStartMs: startUp.coldStartMs,
      warmHeadroom: startUp.warmHeadroom,
      startHeadroom: startUp.startHeadroom,
      freeLessQueued: state === null ? NaN : state.hotFree - state.queued,
      hotBusy: state === null ? NaN : state.hotBusy,
      ttfbOwnMs: ttfbUnexplained(state, outcomes),
      ttfbBaselineMs: NaN,
      ttfbPeers: 0,
      ttfbSamples: outcomes === null ? 0 : Math.max(0, outcomes.requests - outcomes.replicaErrors),
    });
  }
  slownessEvidence(candidates);
  // A loop, not map: see rowsOf (candidate-row.ts) on elements kinds and deoptimization.
  const locations: GeoPoint[] = [];
  for (const c of candidates) locations.push(c.cluster?.location ?? { lat: NaN, lon: NaN });
  // Keyed by latitude, then longitude, as numbers: no key string built per decision (Map keys
  // compare as SameValueZero, so 0 and -0, and any NaN, meet as their strings would).
  const geo = new Map<number, Map<number, Float64Array>>();
  let geoEntries = 0;
  const inflows = new Map<string, Float64Array>();
  return {
    candidates,
    hasInflow: candidates.some((c) => c.inflow !== null),
    failoverReserve: app.failoverReserve ?? null,
    geoRttFrom(client: GeoPoint): Float64Array {
      let byLon = geo.get(client.lat);
      let rtts = byLon?.get(client.lon);
      if (rtts === undefined) {
        if (geoEntries >= MAX_GEO_ENTRIES) {
          geo.clear();
          geoEntries = 0;
          byLon = undefined;
        }
        if (byLon === undefined) geo.set(client.lat, (byLon = new Map()));
        rtts = estimateRttsMs(client, locations);
        byLon.set(client.lon, rtts);
        geoEntries++;
      }
      return rtts;
    },
    inflowFrom(origin: string): Float64Array {
      let rates = inflows.get(origin);
      if (rates === undefined) {
        // Colos number in the hundreds; the bound only guards against unexpected origin strings.
        if (inflows.size >= MAX_GEO_ENTRIES) inflows.clear();
        rates = new Float64Array(candidates.length);
        for (const c of candidates) rates[c.index] = c.inflow === null ? NaN : rateOf(c.inflow, origin);
        inflows.set(origin, rates);
      }
      return rates;
    },
  };
}

type StartUpFacts = Pick<CompiledCandidate, 'serviceMs' | 'warmStartMs' | 'coldStartMs' | 'warmHeadroom' | 'startHeadroom'>;

// `timingsOf`'s rule (`reportedMs`), with NaN where the policy's value applies (compiling has no policy).
function startUpFacts(s: ClusterAppState | null): StartUpFacts {
  if (s === null) return { serviceMs: NaN, warmStartMs: NaN, coldStartMs: NaN, warmHeadroom: 0, startHeadroom: 0 };
  return {
    serviceMs: reportedMs(s.serviceMs, true) ?? NaN,
    warmStartMs: reportedMs(s.warmStartMs, false) ?? NaN,
    coldStartMs: reportedMs(s.coldStartMs, false) ?? NaN,
    warmHeadroom: unpinnedHeadroom(s, true),
    startHeadroom: unpinnedHeadroom(s, false),
  };
}

/** The fields `slownessEvidence` fills in once every candidate is built (they start NaN / 0). */
type SlownessBaseline = { -readonly [K in 'ttfbBaselineMs' | 'ttfbPeers']: CompiledCandidate[K] };

/** Each candidate's slowness baseline: the median of the other candidates' `ttfbOwnMs` (written in place). */
function slownessEvidence(candidates: readonly CompiledCandidate[]): void {
  const sorted: number[] = [];
  for (const c of candidates) if (c.ttfbOwnMs === c.ttfbOwnMs) sorted.push(c.ttfbOwnMs);
  if (sorted.length === 0) return;
  sorted.sort((a, b) => a - b);
  for (const c of candidates) {
    const v = c.ttfbOwnMs;
    const skip = v === v ? sorted.indexOf(v) : -1;
    const b = c as SlownessBaseline;
    b.ttfbBaselineMs = medianWithout(sorted, skip);
    b.ttfbPeers = sorted.length - (skip >= 0 ? 1 : 0);
  }
}

/**
 * The app's TTFB on a cluster that no queue explains: the least the proxies observed over the
 * outcome window (measured next to the cluster), less the recent queue wait the state reports.
 * A queue delays only the requests that waited, so after a queue drains the mean stays high for
 * the window's length while the least does not; when every request of the window waited (a
 * fleet's start-up, a cold start) the least is a wait too, of about the reported one; a cluster
 * slow for every request raises the least above any wait. (Tried first: the mean less the queue
 * wait, and the least alone: busy fleets and start-ups looked slow, BENCHMARKS.md.) None when
 * requests queue there now: the queue term charges them. NaN: no evidence (no state, no TTFB
 * measured, no successful request).
 */
export function ttfbUnexplained(s: ClusterAppState | null, o: OutcomeStats | null): number {
  const least = o === null ? null : (o.ttfbMinMs ?? null);
  if (s === null || o === null || least === null || !(least >= 0)) return NaN;
  if (!(o.requests - o.replicaErrors > 0) || s.queued > 0) return NaN;
  return Math.max(0, least - (reportedMs(s.queueWaitMs, true) ?? 0));
}

/** Median of `sorted` without the entry at `skip` (−1: none); NaN when nothing is left. */
function medianWithout(sorted: readonly number[], skip: number): number {
  const k = sorted.length - (skip >= 0 ? 1 : 0);
  if (k <= 0) return NaN;
  const at = (j: number): number => sorted[skip >= 0 && j >= skip ? j + 1 : j] as number;
  return k % 2 === 1 ? at(k >> 1) : (at(k / 2 - 1) + at(k / 2)) / 2;
}

function rateOf(m: Readonly<Record<string, number>>, origin: string): number {
  // The type check keeps an inherited property (a colo named like one) out.
  const v = m[origin];
  return typeof v === 'number' ? v : 0;
}

function sumOf(m: Readonly<Record<string, number>>): number {
  let t = 0;
  for (const v of Object.values(m)) t += v;
  return t;
}

/**
 * A routed request travels client → the cluster's own regional proxy → cluster,
 * so only that proxy's measurement describes the second leg; another proxy's
 * numbers include a leg the request never takes.
 */
function ownProxyMeasurement(
  measurements: readonly LatencyMeasurement[] | undefined,
  proxyId: string,
): LatencyMeasurement | null {
  if (measurements === undefined) return null;
  let best: LatencyMeasurement | null = null;
  for (const m of measurements) {
    if (m.source !== proxyId) continue;
    if (best === null || m.observedAt > best.observedAt) best = m;
  }
  return best;
}
