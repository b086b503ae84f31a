/**
 * The one attempt planner for HTTP and WebSocket: walks the token's cluster
 * then its fallbacks (skipping open circuits), picks a replica for each
 * attempt (choose-endpoint), and does all the breaker / outlier accounting
 * from classified faults. Only replica faults count: a client's fault or our
 * own abort leaves the replica, its cluster's circuit and the reports alone; so does a replica
 * skipped because the project holds its fair share of it (the tenant's load, not a fault).
 * Callers do the I/O: plan → call → (stream) → record.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import type { StrategyState } from '../../shared/decision/types.ts';
import { beginOutstanding, chooseEndpoint, endOutstanding } from './choose-endpoint.ts';
import type { ProjectLoad } from './replica-shares.ts';
import type { Endpoint } from './endpoint-registry.ts';
import { ProxyError, type AttemptFault } from './errors.ts';
import type { ReplicaPickSummary } from './replica-choice.ts';
import { breakerFor, type ProxyRuntime } from './runtime.ts';

export interface Attempt {
  /** 0 for the first attempt of the exchange. */
  readonly number: number;
  readonly clusterId: string;
  readonly endpoint: Endpoint;
  readonly startedAt: number;
  /** An inference-aware pick's reason and scores (replica-choice.ts); null for other strategies. */
  readonly pick: ReplicaPickSummary | null;
  /** Give the replica's in-flight slot back (idempotent). */
  release(): void;
}

/**
 * The attempt record and its replica slot as one object: a held stream keeps its attempt for
 * hours, and the release closure (with its context) this replaced was ~120 B more.
 */
class TakenAttempt implements Attempt {
  private released = false;

  constructor(
    readonly number: number,
    readonly clusterId: string,
    readonly endpoint: Endpoint,
    readonly startedAt: number,
    readonly pick: ReplicaPickSummary | null,
    private readonly rt: ProxyRuntime,
    private readonly counters: StrategyState,
    private readonly share: ProjectLoad,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    endOutstanding(this.rt, this.counters, this.endpoint.url);
    this.rt.replicaShares.give(this.share);
  }
}

/** No replica tried yet in this cluster (what `tried` stands for while it is null). */
const NONE_TRIED: ReadonlySet<string> = new Set();

type Skip = 'circuit-open' | 'no-endpoints' | 'replicas-busy' | 'replica-share-exceeded';

/** Which skip names the refusal: the highest rank, the later of equals. */
const SKIP_RANK: Readonly<Record<Skip, number>> = { 'no-endpoints': 0, 'circuit-open': 1, 'replicas-busy': 1, 'replica-share-exceeded': 2 };

/** The token's cluster first, then its fallbacks, each once. */
export function clustersOf(claims: RoutingClaims): string[] {
  // Most tokens name no fallback: no Set and two arrays per request for a one-element answer.
  if (claims.fallbacks.length === 0) return [claims.cluster];
  return [...new Set([claims.cluster, ...claims.fallbacks])];
}

export class AttemptPlan {
  private index = 0;
  private entered = false;
  /**
   * Replicas taken in the current cluster: null for none, the URL itself for one (the usual case,
   * a first attempt that succeeds: no Set kept for a held stream's life), a Set from the second.
   */
  private tried: Set<string> | string | null = null;
  /** A replica of the current cluster failed and none has succeeded since. */
  private clusterFailed = false;
  private count = 0;
  private skipped: Skip | null = null;
  /** Attempts granted beyond `maxAttempts` to stream continuations (one per continuation). */
  private extra = 0;
  /** The failed attempts' faults, for the refusal; null until one fails (most never do). */
  private faults: Array<{ readonly clusterId: string; readonly fault: AttemptFault }> | null = null;

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly appId: string,
    /** The app's project: the tenant whose fair share of each replica counts (replica-shares.ts). */
    private readonly project: string,
    private readonly clusters: readonly string[],
    private readonly headers: IncomingHttpHeaders,
    private readonly prompt: readonly number[] | null = null,
  ) {}

  get attempts(): number {
    return this.count;
  }

  /** The next attempt (its replica slot already taken), or null when nothing is left to try. */
  next(): Attempt | null {
    if (this.count >= this.rt.config.maxAttempts + this.extra) return null;
    while (this.index < this.clusters.length) {
      const clusterId = this.clusters[this.index] ?? '';
      if (this.entered || this.enter(clusterId)) {
        const choice = chooseEndpoint(this.rt, clusterId, this.appId, this.project, this.headers, this.triedSet(), this.prompt);
        if (choice.kind === 'picked') return this.take(clusterId, choice.endpoint, choice.pick ?? null);
        if (choice.kind === 'busy') this.skip('replicas-busy');
        else if (choice.kind === 'over-share') this.skip('replica-share-exceeded');
      }
      this.leave();
    }
    return null;
  }

  /** The replica answered with a non-failing status: it, and its cluster's circuit, are fine. */
  succeeded(a: Attempt): void {
    this.rt.outliers.success(this.appId, a.endpoint.url);
    breakerFor(this.rt, a.clusterId, this.appId).success();
    this.clusterFailed = false;
  }

  /** An attempt failed: a replica fault counts against the replica (and maybe its cluster). */
  failed(a: Attempt, fault: AttemptFault): void {
    const f = { clusterId: a.clusterId, fault };
    if (this.faults === null) this.faults = [f];
    else this.faults.push(f);
    if (fault.blame !== 'replica') return;
    this.clusterFailed = true;
    this.eject(a);
  }

  /** The replica failed after its head arrived (reset or silence mid-body): the replica only. */
  brokeMidBody(a: Attempt, fault: AttemptFault): void {
    if (fault.blame === 'replica') this.eject(a);
  }

  /**
   * A stream continuation after `a`'s replica died: walk again from `a`'s cluster (its sibling
   * replicas first, then the token's later fallbacks), skipping only the replica that failed,
   * with one attempt more than `maxAttempts` (the caller bounds how many continuations a stream
   * gets).
   */
  restartFor(a: Attempt): void {
    this.leave();
    this.index = Math.max(0, this.clusters.indexOf(a.clusterId));
    this.tried = a.endpoint.url;
    this.extra += 1;
  }

  /** The exchange is over: a cluster whose every tried replica failed counts one circuit failure. */
  finish(): void {
    this.leave();
  }

  /** Why nothing served the request, as the error the client gets. */
  refusal(): ProxyError {
    const faults = this.faults ?? [];
    const last = faults[faults.length - 1];
    const where = this.clusters.join(', ');
    if (last !== undefined) {
      const list = faults.map((f) => `${f.clusterId} ${f.fault.code}`).join(', ');
      const notStarted = faults.every((f) => f.fault.beforeSend);
      return new ProxyError(
        'all-clusters-failed',
        last.fault.status,
        `every cluster failed for ${this.appId}: ${list}`,
        true,
        1,
        notStarted,
      );
    }
    if (this.skipped === 'circuit-open')
      return new ProxyError(
        'circuit-open',
        503,
        `circuit open for ${this.appId} on ${where}; try the next fallback`,
        true,
        1,
      );
    if (this.skipped === 'replica-share-exceeded') {
      // Counted here, once per refused request: the operator sees whose share ran out.
      this.rt.metrics.replicaShareRefusals.inc({ project: this.project });
      return new ProxyError(
        'replica-share-exceeded',
        429,
        `project ${this.project} (all its apps together) holds its fair share of every replica of ${this.appId} in ${where} on this proxy while other projects' work shares them; retry after 1s, when some of the project's requests have ended, or through another cluster`,
        true,
        1,
      );
    }
    if (this.skipped === 'replicas-busy')
      return new ProxyError(
        'replicas-busy',
        503,
        `every replica of ${this.appId} on ${where} is at its in-flight cap on this proxy`,
        true,
        1,
      );
    const fix = this.rt.registry.listsReplicas(this.appId);
    return new ProxyError(
      'no-endpoints',
      503,
      `no replicas of ${this.appId} in ${where} are known to this proxy${fix === '' ? '' : `: ${fix}`}`,
      true,
      1,
    );
  }

  private enter(clusterId: string): boolean {
    if (this.rt.registry.endpoints(clusterId, this.appId).length === 0) {
      this.skip('no-endpoints');
      return false;
    }
    if (!breakerFor(this.rt, clusterId, this.appId).allow(this.rt.now())) {
      this.skip('circuit-open');
      return false;
    }
    this.entered = true;
    return true;
  }

  private leave(): void {
    const clusterId = this.clusters[this.index];
    if (
      this.entered &&
      this.clusterFailed &&
      clusterId !== undefined &&
      !this.healthyLeft(clusterId)
    )
      breakerFor(this.rt, clusterId, this.appId).failure(this.rt.now());
    this.index += 1;
    this.entered = false;
    this.clusterFailed = false;
    this.tried = null;
  }

  private triedSet(): ReadonlySet<string> {
    const t = this.tried;
    if (t === null) return NONE_TRIED;
    if (typeof t !== 'string') return t;
    const set = new Set([t]);
    this.tried = set;
    return set;
  }

  private wasTried(url: string): boolean {
    const t = this.tried;
    return t === url || (t !== null && typeof t !== 'string' && t.has(url));
  }

  /**
   * Does the cluster still have a replica this request did not try that looks fine? Then the
   * failure was one replica's (the outlier detector's business), not the cluster's: a burst of
   * timeouts from one hung replica must not open the circuit over its healthy siblings.
   */
  private healthyLeft(clusterId: string): boolean {
    const now = this.rt.now();
    return this.rt.registry
      .endpoints(clusterId, this.appId)
      .some(
        (e) =>
          !this.wasTried(e.url) &&
          e.reportedHealthy &&
          e.checkedHealthy &&
          !this.rt.outliers.isEjected(this.appId, e.url, now),
      );
  }

  private take(clusterId: string, endpoint: Endpoint, pick: ReplicaPickSummary | null): Attempt {
    if (this.tried === null) this.tried = endpoint.url;
    else (this.triedSet() as Set<string>).add(endpoint.url);
    const number = this.count;
    this.count += 1;
    const counters = beginOutstanding(this.rt, clusterId, this.appId, endpoint.url);
    const now = this.rt.now();
    const share = this.rt.replicaShares.take(endpoint.url, this.project, now);
    return new TakenAttempt(number, clusterId, endpoint, now, pick, this.rt, counters, share);
  }

  private skip(reason: Skip): void {
    // The project's own share says most about why we refused; a busy or open cluster says more
    // than one without replicas here.
    if (this.skipped === null || SKIP_RANK[reason] >= SKIP_RANK[this.skipped]) this.skipped = reason;
  }

  private eject(a: Attempt): void {
    if (this.rt.outliers.failure(this.appId, a.endpoint.url, this.rt.now()))
      this.rt.metrics.ejections.inc({ cluster: a.clusterId });
  }
}
