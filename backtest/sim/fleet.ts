/**
 * The simulated fleet's true state: clusters (node pools, price, outage and
 * partition flags) and deployments (one app on one cluster: replicas, busy
 * slots, FIFO queue of aggregated request batches, pending completions).
 * Requests travel in batches (count + arrival time), never one object each.
 */
import { ScalerState } from './autoscaler.ts';
import type { DueCompletions } from './completions.ts';
import type { ResolvedScenario } from './scenario.ts';

export type ClusterSpec = ResolvedScenario['clusters'][number];

export interface QueuedBatch {
  readonly arrivedAt: number;
  count: number;
  readonly rttMs: number;
  readonly durationClass: number;
}

export class ClusterRuntime {
  warmFree: number;
  coldFree: number;
  basePrice: number;
  priceFactor = 1;
  down = false;
  partitioned = false;
  /** Share of requests answered with a replica 5xx (partial-failure incidents). */
  errorRate = 0;
  /** Service time multiplier, and first-token delay (slowdown incidents: a gray failure that answers). */
  slowdown = 1;
  addedTtftMs = 0;
  /** Share of capacity left (capacity-drain incidents lower it). */
  capacityFactor = 1;
  /** Last time the aggregator could push state (frozen while partitioned). */
  lastPushedAt = 0;

  constructor(
    readonly idx: number,
    readonly spec: ClusterSpec,
  ) {
    this.warmFree = spec.warmNodes;
    this.coldFree = spec.coldNodes;
    this.basePrice = spec.pricePerHour;
  }

  get price(): number {
    return this.basePrice * this.priceFactor;
  }

  get reachable(): boolean {
    return !this.down && !this.partitioned;
  }

  maxReplicas(): number {
    return Math.floor(this.spec.maxReplicas * this.capacityFactor);
  }

  minReplicas(): number {
    return Math.min(this.spec.minReplicas, this.maxReplicas());
  }

  /** Returns a node to the pool it most plausibly came from (warm first: it was just running). */
  releaseNode(): void {
    if (this.warmFree < Math.floor(this.spec.warmNodes * this.capacityFactor)) this.warmFree++;
    else this.coldFree++;
  }
}

/**
 * Outcomes a regional proxy reports for one deployment, over a sliding window of
 * OUTCOME_BUCKETS × OUTCOME_BUCKET_MS (what the snapshot's outcome query sums).
 */
export const OUTCOME_BUCKET_MS = 5_000;
export const OUTCOME_BUCKETS = 6;

/** What happened to the requests one batch sent to a deployment. */
export interface AttemptCounts {
  /** Answered with a replica fault (the engine's 5xx, a reset, a timeout). */
  readonly faults: number;
  /** Took a slot now or waited in the queue: the replica served them. */
  readonly served: number;
  /** Refused for lack of capacity (queue full: the proxy's 429 / busy 503). */
  readonly refused: number;
}

/**
 * The outcome rows a proxy's batch adds to its cluster's error rate. A refusal for lack of
 * capacity is the cluster saying "full", not a fault: counting it made a saturated cluster look
 * broken, and the failure-risk term then herded its traffic onto the next ones. It is left out
 * of both counts (as the snapshot's outcome query leaves out 429s), so the rate is faults over
 * the attempts a replica actually handled.
 */
export function replicaOutcome(a: AttemptCounts): { readonly requests: number; readonly errors: number } {
  return { requests: a.faults + a.served, errors: a.faults };
}

export class OutcomeWindow {
  private readonly ids = new Float64Array(OUTCOME_BUCKETS).fill(-1);
  private readonly reqs = new Float64Array(OUTCOME_BUCKETS);
  private readonly errs = new Float64Array(OUTCOME_BUCKETS);
  /** Successful requests' observed TTFB: its sum (ms) and how many (the outcome rows' `ttfb_ms`). */
  private readonly ttfbSum = new Float64Array(OUTCOME_BUCKETS);
  private readonly ttfbCount = new Float64Array(OUTCOME_BUCKETS);
  private readonly ttfbMin = new Float64Array(OUTCOME_BUCKETS).fill(Infinity);
  private latest = 0;

  /** The bucket of `atMs`, emptied first when it last held an older bucket's rows. */
  private bucket(atMs: number): number {
    const id = Math.floor(atMs / OUTCOME_BUCKET_MS);
    const k = id % OUTCOME_BUCKETS;
    if (this.ids[k] !== id) {
      this.ids[k] = id;
      this.reqs[k] = 0;
      this.errs[k] = 0;
      this.ttfbSum[k] = 0;
      this.ttfbCount[k] = 0;
      this.ttfbMin[k] = Infinity;
    }
    if (id > this.latest) this.latest = id;
    return k;
  }

  record(atMs: number, n: number, errors: number): void {
    const k = this.bucket(atMs);
    this.reqs[k] = (this.reqs[k] ?? 0) + n;
    this.errs[k] = (this.errs[k] ?? 0) + errors;
  }

  /**
   * `n` successful requests whose first byte the proxy saw `ttfbMs` after sending them. The
   * proxy sits next to the cluster, so that is the cluster's own time: the wait for a slot plus
   * any first-token delay (no client round trip). Recorded when the requests start (their first
   * byte), not when their rows would be written at the end of the request as a real proxy's
   * are: a simplification, by at most one request's duration, that makes a slow cluster's
   * evidence arrive no later than its first token does.
   */
  recordTtfb(atMs: number, n: number, ttfbMs: number): void {
    if (!(n > 0)) return;
    const k = this.bucket(atMs);
    this.ttfbSum[k] = (this.ttfbSum[k] ?? 0) + n * ttfbMs;
    this.ttfbCount[k] = (this.ttfbCount[k] ?? 0) + n;
    if (ttfbMs < (this.ttfbMin[k] ?? Infinity)) this.ttfbMin[k] = ttfbMs;
  }

  /** Records one batch's attempts, capacity refusals excluded (`replicaOutcome`); returns the faults recorded. */
  recordAttempts(atMs: number, a: AttemptCounts): number {
    const o = replicaOutcome(a);
    if (o.requests > 0) this.record(atMs, o.requests, o.errors);
    return o.errors;
  }

  private sum(a: Float64Array, atMs: number): number {
    const now = Math.floor(atMs / OUTCOME_BUCKET_MS);
    let total = 0;
    for (let k = 0; k < OUTCOME_BUCKETS; k++) {
      const id = this.ids[k] ?? -1;
      if (id >= 0 && now - id < OUTCOME_BUCKETS) total += a[k] ?? 0;
    }
    return total;
  }

  requests(atMs: number): number {
    return this.sum(this.reqs, atMs);
  }

  errors(atMs: number): number {
    return this.sum(this.errs, atMs);
  }

  /** Mean TTFB of the successful requests in the window (ms); null when none started in it. */
  ttfbMs(atMs: number): number | null {
    const n = this.sum(this.ttfbCount, atMs);
    return n > 0 ? this.sum(this.ttfbSum, atMs) / n : null;
  }

  /** The least TTFB of a successful request in the window (ms); null when none started in it. */
  ttfbMinMs(atMs: number): number | null {
    const now = Math.floor(atMs / OUTCOME_BUCKET_MS);
    let least = Infinity;
    for (let k = 0; k < OUTCOME_BUCKETS; k++) {
      const id = this.ids[k] ?? -1;
      if (id >= 0 && now - id < OUTCOME_BUCKETS) least = Math.min(least, this.ttfbMin[k] ?? Infinity);
    }
    return least < Infinity ? least : null;
  }
}

export class Deployment {
  replicas: number;
  starting = 0;
  busy = 0;
  queued = 0;
  readonly queue: QueuedBatch[] = [];
  queueHead = 0;
  lastServedAt: number | null = null;
  readonly outcomes = new OutcomeWindow();
  /** Requests that arrived here since the last state capture, by client point (the proxies' outcome rows by origin). */
  readonly inflow = new Map<number, number>();
  /**
   * Requests started here since the last state capture and their summed wait for a slot: the
   * engines' queue-time histogram as the aggregator reads it between two scrapes (`capture`
   * folds their mean into `queueWaitAverage` and clears them).
   */
  startedSinceCapture = 0;
  waitSinceCaptureMs = 0;
  /** The moving average of those means the aggregator keeps (request-time-average.ts). */
  queueWaitAverage: number | null = null;
  idleSince: number | null = null;
  /** The autoscaler's memory: busy + queued sampled once per tick, panic state. */
  readonly scaler: ScalerState;
  /** Bumped by outages so replica-ready events scheduled before them are ignored. */
  generation = 0;
  /** Pending completions: due tick → the completions falling due in it, each with its exact time. */
  readonly pending = new Map<number, DueCompletions>();

  constructor(
    readonly idx: number,
    readonly cluster: ClusterRuntime,
    readonly appIdx: number,
    tickSeconds = 1,
  ) {
    this.replicas = cluster.spec.minReplicas;
    this.scaler = new ScalerState(cluster.spec.autoscaler, tickSeconds);
  }

  get slots(): number {
    return this.replicas * this.cluster.spec.concurrencyPerReplica;
  }

  get free(): number {
    return Math.max(0, this.slots - this.busy);
  }

  queueLimit(): number {
    return this.cluster.spec.maxQueuePerReplica * Math.max(1, this.replicas + this.starting) - this.queued;
  }

  enqueue(b: QueuedBatch): void {
    this.queue.push(b);
    this.queued += b.count;
  }

  /** The oldest waiting batch, or undefined. Compacts the array now and then instead of shifting. */
  head(): QueuedBatch | undefined {
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return this.queue[this.queueHead];
  }

  dropHead(): void {
    this.queueHead++;
  }

  /** Empties the queue (outage, partition); returns how many requests were waiting. */
  clearQueue(): number {
    const n = this.queued;
    this.queue.length = 0;
    this.queueHead = 0;
    this.queued = 0;
    return n;
  }
}
