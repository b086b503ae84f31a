/**
 * What one strategy's run measured, kept in constant memory: a TTFB histogram,
 * counters, traffic per region/provider and a coarse time series of traffic
 * share per region for the report's chart.
 */
import { Histogram, type HistogramJson } from '../stats/histogram.ts';

export const SERIES_BUCKETS = 96;

/** One time window's numbers, so an incident can be judged on its own. */
export interface WindowResult {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly requests: number;
  readonly failed: number;
  readonly rejected: number;
  readonly cost: number;
  /** GPU spend per 1,000 requests that arrived in the window. */
  readonly costPer1k: number | null;
  readonly ttfbMs: { readonly p50: number | null; readonly p99: number | null };
  readonly shareByCluster: Readonly<Record<string, number>>;
  readonly shareByProvider: Readonly<Record<string, number>>;
}

/** TTFB percentiles of one request class (e.g. short completions vs long streams). */
export interface ClassResult {
  readonly name: string;
  readonly served: number;
  /** Requests of the class that waited in a queue (for a free slot or a starting replica). */
  readonly queued: number;
  readonly ttfbMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
}

/**
 * Where and when cold starts happened (a diagnostic: cold = the cluster's warm pool was used up,
 * i.e. its replicas above the minimum, over all apps, outgrew its warm nodes). `idleElsewhere`:
 * cold starts made while the same app had a replica carrying nothing on another reachable
 * cluster (what the decision could have used instead of growing this one).
 */
export interface ColdStartDetail {
  readonly byCluster: Readonly<Record<string, number>>;
  /** Cold starts per simulated hour (index = hour since the start). */
  readonly byHour: readonly number[];
  readonly idleElsewhere: number;
  /** Mean, over the cold starts, of the app's idle replicas on its other reachable clusters. */
  readonly meanIdleReplicasElsewhere: number | null;
  /** Mean, over the cold starts, of the app's pooled load: (busy + queued) ÷ slots over all its reachable clusters. */
  readonly meanAppLoad: number | null;
  /** Mean, over the cold starts, of this deployment's own (busy + queued) ÷ slots. */
  readonly meanOwnLoad: number | null;
  /**
   * Mean, over the cold starts, of the free share of loaded slots in the state row the deciders
   * were reading then (the last visible publication): how much room they believed was left
   * when the cluster had in fact filled up (a herd overshoot).
   */
  readonly meanVisibleFree: number | null;
}

/**
 * What the GPU spend bought (a diagnostic for the cost gap between strategies): provisioned
 * replicas averaged over the run, split into busy replica-equivalents (busy slots ÷ slots per
 * replica) and idle ones — idle within the deployment's minimum (paid by any strategy) and idle
 * above it (what the routing and the autoscaler's idle window leave running), with their $.
 */
export interface SpendDetail {
  readonly meanReplicas: number;
  readonly meanBusy: number;
  readonly meanIdleWithinMin: number;
  readonly meanIdleAboveMin: number;
  readonly idleWithinMinCost: number;
  readonly idleAboveMinCost: number;
}

/** One cold start's context, as the simulator saw it (true state, not the published view). */
export interface ColdStartContext {
  readonly cluster: number;
  readonly t: number;
  readonly n: number;
  readonly idleReplicasElsewhere: number;
  readonly appLoad: number;
  readonly ownLoad: number;
  /** Free ÷ loaded slots in the visible row of this deployment (0 when it showed none loaded). */
  readonly visibleFree: number;
}

/**
 * Where, when and why requests were turned away (queue full at the chosen cluster), and what
 * the deciders saw then: a diagnostic of a herd on stale state. `why`: the cluster could not
 * grow (at its maximum replicas, or out of free nodes) or the batch outgrew the queue before
 * the autoscaler's new replicas (which add queue room) were counted.
 */
export interface RejectionDetail {
  readonly byCluster: Readonly<Record<string, number>>;
  /** Per simulated hour since the start. */
  readonly byHour: readonly number[];
  readonly byClass: Readonly<Record<string, number>>;
  readonly byClient: Readonly<Record<string, number>>;
  readonly byApp: Readonly<Record<string, number>>;
  readonly why: { readonly atMaxReplicas: number; readonly outOfNodes: number; readonly beforeScaleUp: number };
  /** Means over the rejected requests: the visible row's age, free share of loaded slots, queue; the true queue; the app's idle replicas elsewhere. */
  readonly meanStateAgeMs: number | null;
  readonly meanVisibleFree: number | null;
  readonly meanVisibleQueued: number | null;
  readonly meanTrueQueued: number | null;
  readonly meanIdleReplicasElsewhere: number | null;
}

/** One rejected batch's context, as the simulator saw it. */
export interface RejectionContext {
  readonly cluster: number;
  readonly t: number;
  readonly n: number;
  readonly app: string;
  readonly dc: number;
  readonly client: number;
  readonly why: 'atMaxReplicas' | 'outOfNodes' | 'beforeScaleUp';
  readonly stateAgeMs: number;
  readonly visibleFree: number;
  readonly visibleQueued: number;
  readonly trueQueued: number;
  readonly idleReplicasElsewhere: number;
}

/**
 * How far requests were sent (a diagnostic of the p50): the network RTT's median, and the
 * requests sent more than FARTHER_MS farther than the nearest cluster residency allows,
 * with how many of them left that cluster with a free slot at that moment (true state).
 */
export interface DistanceDetail {
  readonly networkP50Ms: number | null;
  readonly farther: number;
  readonly fartherWhileNearFree: number;
  /** Mean extra RTT (ms) of the farther requests over the nearest allowed cluster. */
  readonly meanExtraMs: number | null;
}

/** Requests sent within this many ms of the nearest allowed cluster's RTT count as near. */
export const FARTHER_MS = 5;

export interface WindowSpec {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

class WindowMetrics {
  readonly ttfb = new Histogram();
  requests = 0;
  failed = 0;
  rejected = 0;
  cost = 0;
  readonly byCluster: Float64Array;
  constructor(
    readonly spec: WindowSpec,
    clusters: number,
  ) {
    this.byCluster = new Float64Array(clusters);
  }
  has(t: number): boolean {
    return t >= this.spec.startMs && t < this.spec.endMs;
  }
}

export interface StrategyResult {
  readonly strategy: string;
  readonly requests: number;
  readonly served: number;
  /** Turned away: queue full at the chosen cluster. */
  readonly rejected: number;
  /** Lost: routed to an unreachable cluster, in flight or queued when it died, or no cluster eligible. */
  readonly failed: number;
  readonly noCandidate: number;
  readonly coldStarts: number;
  readonly coldStartDetail?: ColdStartDetail;
  readonly spendDetail?: SpendDetail;
  readonly rejectionDetail?: RejectionDetail;
  readonly distanceDetail?: DistanceDetail;
  readonly warmStarts: number;
  /** Requests that waited in a queue (for a free slot or a starting replica). */
  readonly queuedRequests: number;
  /**
   * Why queued requests waited: started when a request finished (`slot`) or when a replica
   * came up (`replica`: they waited for a start-up), with their mean wait; and per cluster,
   * how many queued there. Tells a herd on stale free slots from scale-up waits.
   */
  readonly queueing: {
    readonly slot: { readonly requests: number; readonly meanWaitMs: number | null };
    readonly replica: { readonly requests: number; readonly meanWaitMs: number | null };
    readonly byCluster: Readonly<Record<string, number>>;
    /**
     * Of the queued requests, those that queued while another cluster residency allows had a
     * free slot (true state, reachable, no injected faults), with the mean RTT from their client
     * to the nearest such cluster: queueing that placement, not capacity, caused. Absent in
     * reports written before session 36.
     */
    readonly whileFreeElsewhere?: { readonly requests: number; readonly meanRttMs: number | null };
  };
  readonly residencyViolations: number;
  /** GPU spend: provisioned replica-hours × price. */
  readonly cost: number;
  readonly ttfbMs: { readonly mean: number | null; readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
  readonly ttfbHistogram: HistogramJson;
  readonly shareByRegion: Readonly<Record<string, number>>;
  readonly shareByProvider: Readonly<Record<string, number>>;
  /** Per time bucket, requests routed to each region (same order as `regions`). */
  readonly series: { readonly bucketMs: number; readonly regions: readonly string[]; readonly counts: readonly (readonly number[])[] };
  /** Requests answered with a replica 5xx (partial-failure incidents); included in `failed`. */
  readonly replicaErrors: number;
  /** Replica faults the proxies reported into the outcome feed (the error rate the decision sees). */
  readonly outcomeFaults: number;
  readonly windows: readonly WindowResult[];
  readonly classes: readonly ClassResult[];
  readonly events: number;
  readonly wallMs: number;
}

export class StrategyMetrics {
  readonly ttfb = new Histogram();
  requests = 0;
  served = 0;
  rejected = 0;
  failed = 0;
  noCandidate = 0;
  coldStarts = 0;
  warmStarts = 0;
  queuedRequests = 0;
  residencyViolations = 0;
  /** Requests answered with a replica 5xx (partial-failure incidents); also counted in `failed`. */
  replicaErrors = 0;
  /** Replica faults reported into the outcome feed; capacity refusals are not among them. */
  outcomeFaults = 0;
  cost = 0;
  events = 0;
  private readonly byRegion: Float64Array;
  private readonly byProvider: Float64Array;
  private readonly series: Float64Array;
  private readonly windows: WindowMetrics[];
  private readonly classTtfb: Histogram[];
  private readonly classQueued: Float64Array;
  private readonly clusterQueued: Float64Array;
  private readonly dequeuedBy = { slot: { n: 0, ms: 0 }, replica: { n: 0, ms: 0 } };
  private readonly queuedFreeElsewhere = { n: 0, ms: 0 };
  private readonly coldByCluster: Float64Array;
  private readonly coldByHour: number[] = [];
  private readonly coldCtx = { idleElsewhere: 0, idleReplicas: 0, appLoad: 0, ownLoad: 0, visibleFree: 0 };
  /** Replica-seconds: provisioned, busy, idle within / above the minimum; $ of the idle parts. */
  private readonly spend = { seconds: 0, replicas: 0, busy: 0, withinMin: 0, aboveMin: 0, withinMinCost: 0, aboveMinCost: 0 };
  private readonly network = new Histogram();
  private readonly far = { n: 0, whileNearFree: 0, extraMs: 0 };
  private readonly rej = {
    byCluster: new Map<string, number>(),
    byHour: [] as number[],
    byClass: new Map<string, number>(),
    byClient: new Map<string, number>(),
    byApp: new Map<string, number>(),
    why: { atMaxReplicas: 0, outOfNodes: 0, beforeScaleUp: 0 },
    sum: { stateAgeMs: 0, visibleFree: 0, visibleQueued: 0, trueQueued: 0, idleReplicasElsewhere: 0 },
  };

  constructor(
    readonly strategy: string,
    private readonly regionOfCluster: Int32Array,
    private readonly regions: readonly string[],
    private readonly providerOfCluster: Int32Array,
    private readonly providers: readonly string[],
    private readonly bucketMs: number,
    private readonly clusterIds: readonly string[] = [],
    windows: readonly WindowSpec[] = [],
    private readonly classNames: readonly string[] = [],
    private readonly clientNames: readonly string[] = [],
  ) {
    this.byRegion = new Float64Array(regions.length);
    this.byProvider = new Float64Array(providers.length);
    this.series = new Float64Array(SERIES_BUCKETS * regions.length);
    this.windows = windows.map((w) => new WindowMetrics(w, clusterIds.length));
    this.classTtfb = classNames.map(() => new Histogram());
    this.classQueued = new Float64Array(classNames.length);
    this.clusterQueued = new Float64Array(clusterIds.length);
    this.coldByCluster = new Float64Array(clusterIds.length);
  }

  /** n replicas started on cold nodes, in the context `c`. */
  coldStarted(c: ColdStartContext): void {
    this.coldStarts += c.n;
    this.coldByCluster[c.cluster] = (this.coldByCluster[c.cluster] ?? 0) + c.n;
    const h = Math.floor(c.t / 3_600_000);
    while (this.coldByHour.length <= h) this.coldByHour.push(0);
    this.coldByHour[h] = (this.coldByHour[h] ?? 0) + c.n;
    if (c.idleReplicasElsewhere > 0) this.coldCtx.idleElsewhere += c.n;
    this.coldCtx.idleReplicas += c.n * c.idleReplicasElsewhere;
    this.coldCtx.appLoad += c.n * c.appLoad;
    this.coldCtx.ownLoad += c.n * c.ownLoad;
    this.coldCtx.visibleFree += c.n * c.visibleFree;
  }

  /** n requests of one batch sent at RTT `rttMs` where the nearest allowed cluster is `nearMs` away (`nearFree`: it had a free slot). */
  distance(rttMs: number, nearMs: number, nearFree: boolean, n: number): void {
    this.network.record(rttMs, n);
    if (rttMs <= nearMs + FARTHER_MS) return;
    this.far.n += n;
    this.far.extraMs += n * (rttMs - nearMs);
    if (nearFree) this.far.whileNearFree += n;
  }

  /** n requests turned away (queue full) in the context `c`; counted in `rejected` by `lost`, not here. */
  rejectedAt(c: RejectionContext): void {
    const r = this.rej;
    const add = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + c.n);
    add(r.byCluster, this.clusterIds[c.cluster] ?? `#${c.cluster}`);
    add(r.byClass, this.classNames[c.dc] ?? `#${c.dc}`);
    add(r.byClient, this.clientNames[c.client] ?? `#${c.client}`);
    add(r.byApp, c.app);
    const h = Math.floor(c.t / 3_600_000);
    while (r.byHour.length <= h) r.byHour.push(0);
    r.byHour[h] = (r.byHour[h] ?? 0) + c.n;
    r.why[c.why] += c.n;
    r.sum.stateAgeMs += c.n * c.stateAgeMs;
    r.sum.visibleFree += c.n * c.visibleFree;
    r.sum.visibleQueued += c.n * c.visibleQueued;
    r.sum.trueQueued += c.n * c.trueQueued;
    r.sum.idleReplicasElsewhere += c.n * c.idleReplicasElsewhere;
  }

  private rejectionDetail(): RejectionDetail {
    const r = this.rej;
    const n = r.why.atMaxReplicas + r.why.outOfNodes + r.why.beforeScaleUp;
    const mean = (x: number): number | null => (n > 0 ? Math.round((x / n) * 100) / 100 : null);
    return {
      byCluster: Object.fromEntries(r.byCluster),
      byHour: [...r.byHour],
      byClass: Object.fromEntries(r.byClass),
      byClient: Object.fromEntries(r.byClient),
      byApp: Object.fromEntries(r.byApp),
      why: { ...r.why },
      meanStateAgeMs: mean(r.sum.stateAgeMs),
      meanVisibleFree: mean(r.sum.visibleFree),
      meanVisibleQueued: mean(r.sum.visibleQueued),
      meanTrueQueued: mean(r.sum.trueQueued),
      meanIdleReplicasElsewhere: mean(r.sum.idleReplicasElsewhere),
    };
  }

  private coldStartDetail(): ColdStartDetail {
    const n = this.coldStarts;
    const mean = (x: number): number | null => (n > 0 ? Math.round((x / n) * 100) / 100 : null);
    return {
      byCluster: Object.fromEntries(this.clusterIds.map((id, i) => [id, this.coldByCluster[i] ?? 0])),
      byHour: [...this.coldByHour],
      idleElsewhere: this.coldCtx.idleElsewhere,
      meanIdleReplicasElsewhere: mean(this.coldCtx.idleReplicas),
      meanAppLoad: mean(this.coldCtx.appLoad),
      meanOwnLoad: mean(this.coldCtx.ownLoad),
      meanVisibleFree: mean(this.coldCtx.visibleFree),
    };
  }

  /**
   * One deployment over one tick: `replicas` provisioned (loaded + starting), `busy` replica-
   * equivalents in use, its minimum replicas, and `dollarsPerReplica` for the tick.
   */
  replicaTime(replicas: number, busy: number, min: number, dollarsPerReplica: number, tickS: number): void {
    const s = this.spend;
    const used = Math.min(replicas, busy);
    const withinMin = Math.max(0, Math.min(replicas, min) - used);
    const aboveMin = Math.max(0, replicas - Math.max(min, used));
    s.replicas += replicas * tickS;
    s.busy += used * tickS;
    s.withinMin += withinMin * tickS;
    s.aboveMin += aboveMin * tickS;
    s.withinMinCost += withinMin * dollarsPerReplica;
    s.aboveMinCost += aboveMin * dollarsPerReplica;
  }

  /** Advances the run's clock for the spend averages (once per tick). */
  ticked(tickS: number): void {
    this.spend.seconds += tickS;
  }

  private spendDetail(): SpendDetail {
    const s = this.spend;
    const mean = (x: number): number => (s.seconds > 0 ? Math.round((x / s.seconds) * 10) / 10 : 0);
    return {
      meanReplicas: mean(s.replicas),
      meanBusy: mean(s.busy),
      meanIdleWithinMin: mean(s.withinMin),
      meanIdleAboveMin: mean(s.aboveMin),
      idleWithinMinCost: Math.round(s.withinMinCost * 100) / 100,
      idleAboveMinCost: Math.round(s.aboveMinCost * 100) / 100,
    };
  }

  /** n requests of class `dc` went into a queue at `cluster`. */
  /** n requests queued at `cluster`; `freeElsewhereRtt`: the client's RTT to the nearest allowed cluster with a free slot then (NaN: none). */
  queued(n: number, dc: number, cluster: number, freeElsewhereRtt = NaN): void {
    this.queuedRequests += n;
    if (freeElsewhereRtt === freeElsewhereRtt) {
      this.queuedFreeElsewhere.n += n;
      this.queuedFreeElsewhere.ms += n * freeElsewhereRtt;
    }
    this.classQueued[dc] = (this.classQueued[dc] ?? 0) + n;
    this.clusterQueued[cluster] = (this.clusterQueued[cluster] ?? 0) + n;
  }

  /** n queued requests started after waiting `waitMs`, freed by a finished request or a new replica. */
  dequeued(n: number, waitMs: number, cause: 'slot' | 'replica'): void {
    const b = this.dequeuedBy[cause];
    b.n += n;
    b.ms += n * waitMs;
  }

  /** Requests that arrived at t (before routing). */
  arrived(n: number, t: number): void {
    this.requests += n;
    for (const w of this.windows) if (w.has(t)) w.requests += n;
  }

  /** TTFB of n requests of class `dc` that began service at t. */
  served_(ms: number, n: number, dc: number, t: number): void {
    this.served += n;
    this.ttfb.record(ms, n);
    this.classTtfb[dc]?.record(ms, n);
    for (const w of this.windows) if (w.has(t)) w.ttfb.record(ms, n);
  }

  lost(n: number, t: number, kind: 'failed' | 'rejected'): void {
    this[kind] += n;
    for (const w of this.windows) if (w.has(t)) w[kind] += n;
  }

  spent(dollars: number, t: number): void {
    this.cost += dollars;
    for (const w of this.windows) if (w.has(t)) w.cost += dollars;
  }

  routed(cluster: number, n: number, t: number): void {
    for (const w of this.windows) if (w.has(t)) w.byCluster[cluster] = (w.byCluster[cluster] ?? 0) + n;
    const r = this.regionOfCluster[cluster] ?? 0;
    this.byRegion[r] = (this.byRegion[r] ?? 0) + n;
    const p = this.providerOfCluster[cluster] ?? 0;
    this.byProvider[p] = (this.byProvider[p] ?? 0) + n;
    const b = Math.min(SERIES_BUCKETS - 1, Math.floor(t / this.bucketMs));
    const k = b * this.regions.length + r;
    this.series[k] = (this.series[k] ?? 0) + n;
  }

  private windowResult(w: WindowMetrics): WindowResult {
    const providers = new Float64Array(this.providers.length);
    w.byCluster.forEach((n, i) => {
      const p = this.providerOfCluster[i] ?? 0;
      providers[p] = (providers[p] ?? 0) + n;
    });
    return {
      name: w.spec.name,
      startMs: w.spec.startMs,
      endMs: w.spec.endMs,
      requests: w.requests,
      failed: w.failed,
      rejected: w.rejected,
      cost: Math.round(w.cost * 100) / 100,
      costPer1k: w.requests > 0 ? Math.round((w.cost / w.requests) * 1000 * 10_000) / 10_000 : null,
      ttfbMs: { p50: round1(w.ttfb.quantile(0.5)), p99: round1(w.ttfb.quantile(0.99)) },
      shareByCluster: shareOf(this.clusterIds, w.byCluster),
      shareByProvider: shareOf(this.providers, providers),
    };
  }

  result(wallMs: number): StrategyResult {
    const routedTotal = this.byRegion.reduce((a, b) => a + b, 0) || 1;
    const share = (names: readonly string[], counts: Float64Array): Record<string, number> =>
      Object.fromEntries(names.map((n, i) => [n, round4((counts[i] ?? 0) / routedTotal)]));
    const counts: number[][] = [];
    for (let b = 0; b < SERIES_BUCKETS; b++) {
      counts.push(Array.from(this.series.subarray(b * this.regions.length, (b + 1) * this.regions.length)));
    }
    return {
      strategy: this.strategy,
      requests: this.requests,
      served: this.served,
      rejected: this.rejected,
      failed: this.failed,
      noCandidate: this.noCandidate,
      coldStarts: this.coldStarts,
      coldStartDetail: this.coldStartDetail(),
      spendDetail: this.spendDetail(),
      rejectionDetail: this.rejectionDetail(),
      distanceDetail: {
        networkP50Ms: round1(this.network.quantile(0.5)),
        farther: this.far.n,
        fartherWhileNearFree: this.far.whileNearFree,
        meanExtraMs: this.far.n > 0 ? Math.round((this.far.extraMs / this.far.n) * 10) / 10 : null,
      },
      warmStarts: this.warmStarts,
      queuedRequests: this.queuedRequests,
      queueing: {
        slot: { requests: this.dequeuedBy.slot.n, meanWaitMs: meanOf(this.dequeuedBy.slot) },
        replica: { requests: this.dequeuedBy.replica.n, meanWaitMs: meanOf(this.dequeuedBy.replica) },
        byCluster: Object.fromEntries(this.clusterIds.map((id, i) => [id, this.clusterQueued[i] ?? 0])),
        whileFreeElsewhere: { requests: this.queuedFreeElsewhere.n, meanRttMs: meanOf(this.queuedFreeElsewhere) },
      },
      residencyViolations: this.residencyViolations,
      cost: Math.round(this.cost * 100) / 100,
      ttfbMs: {
        mean: round1(this.ttfb.mean()),
        p50: round1(this.ttfb.quantile(0.5)),
        p95: round1(this.ttfb.quantile(0.95)),
        p99: round1(this.ttfb.quantile(0.99)),
      },
      ttfbHistogram: this.ttfb.toJSON(),
      shareByRegion: share(this.regions, this.byRegion),
      shareByProvider: share(this.providers, this.byProvider),
      series: { bucketMs: this.bucketMs, regions: this.regions, counts },
      replicaErrors: this.replicaErrors,
      outcomeFaults: this.outcomeFaults,
      windows: this.windows.map((w) => this.windowResult(w)),
      classes: this.classNames.map((name, i) => {
        const h = this.classTtfb[i] ?? new Histogram();
        return { name, served: h.toJSON().count, queued: this.classQueued[i] ?? 0, ttfbMs: { p50: round1(h.quantile(0.5)), p95: round1(h.quantile(0.95)), p99: round1(h.quantile(0.99)) } };
      }),
      events: this.events,
      wallMs,
    };
  }
}

function shareOf(names: readonly string[], counts: ArrayLike<number>): Record<string, number> {
  let total = 0;
  for (let i = 0; i < names.length; i++) total += counts[i] ?? 0;
  return Object.fromEntries(names.map((n, i) => [n, round4((counts[i] ?? 0) / (total || 1))]));
}

function meanOf(b: { n: number; ms: number }): number | null {
  return b.n > 0 ? Math.round(b.ms / b.n) : null;
}

function round1(x: number | null): number | null {
  return x === null ? null : Math.round(x * 10) / 10;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
