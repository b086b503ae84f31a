/**
 * The live parts one proxy instance shares between its handlers. Built once by
 * `startProxy`; handlers receive it instead of reaching for globals.
 */
import type { UpstreamRouter } from './upstream-router.ts';
import type { TokenBudgets } from './token-budgets.ts';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { ProxyConfig } from './config.ts';
import { CircuitBreaker, circuitKey } from './circuit-breaker.ts';
import type { EndpointRegistry } from './endpoint-registry.ts';
import type { LatencyTracker } from './latency-tracker.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { OutlierDetector } from './outlier-detector.ts';
import type { RetryBudgets } from './retry-budget.ts';
import type { Admission } from './app-limits.ts';
import type { BodyParser } from './body-parser.ts';
import type { BodyBuffers } from './body-buffers.ts';
import type { ConnectionLimits } from './connection-limits.ts';
import type { InFlightBudget } from './in-flight-budget.ts';
import type { JobPins } from './job-pins.ts';
import type { AsyncJobs } from './async-jobs.ts';
import type { JobRouteReads } from './job-route-reads.ts';
import type { OutcomeRow } from './store.ts';
import type { ReplicaSignals } from './replica-signals.ts';
import type { ReplicaShares } from './replica-shares.ts';
import type { TokenGate } from './token-gate.ts';
import type { ProxyTracing } from './tracing.ts';
import type { ClusterPeers } from './cluster-peers.ts';

/** Something in flight that drain may have to end. */
export interface Tracked {
  /**
   * End it now (HTTP: SSE hand-off event or abort; WebSocket: close 1012 + reconnect reason).
   * A promise settles when what it wrote has been flushed (drain destroys sockets after).
   */
  close(): void | Promise<void>;
  readonly kind: 'http' | 'websocket';
  /**
   * Drain: if the client has no answer head yet, answer it 503 + Retry-After and cut the
   * upstream; true when it did. At the start grace (`atDeadline` false) only what cannot run
   * twice is cut (idempotent, or never dispatched); at the deadline everything unanswered is.
   * Absent: the exchange cannot be refused any more.
   */
  cutUnanswered?(atDeadline: boolean): boolean;
}

export interface ProxyRuntime {
  readonly config: ProxyConfig;
  readonly dispatcher: Dispatcher;
  /** Attempts go out through this: HTTP/1.1, ALPN or HTTP/2 per cluster (upstream-router.ts). */
  readonly upstreams: UpstreamRouter;
  readonly logger: Logger;
  readonly now: () => number;
  readonly registry: EndpointRegistry;
  readonly outliers: OutlierDetector;
  readonly budget: RetryBudgets;
  readonly latency: LatencyTracker;
  /** Per-app admission: this process's AppLimiter, or the cluster primary's (cluster-limits.ts). */
  readonly limiter: Admission;
  /** This process's in-flight budget, shared fairly between apps (in-flight-budget.ts). */
  readonly inFlightBudget: InFlightBudget;
  /**
   * This process's client connections on its traffic port (connection-limits.ts): a request whose
   * credential verified takes its connection out of its address's count. Absent: not counted.
   */
  readonly connectionLimits?: ConnectionLimits;
  /** This process's memory for bodies held whole, shared fairly between projects (body-buffers.ts). */
  readonly bodyBuffers: BodyBuffers;
  /** Parses bodies the proxy must understand; large ones on the parse thread, projects in turn (body-parser.ts). */
  readonly bodyParser: BodyParser;
  /** Per-app LLM token budgets (token-budgets.ts). */
  readonly tokenBudgets: TokenBudgets;
  readonly metrics: ProxyMetrics;
  readonly gate: TokenGate;
  /** One breaker per cluster × app (`circuitKey`): one app's failures never close a cluster to others. */
  readonly breakers: Map<string, CircuitBreaker>;
  readonly inFlight: Set<Tracked>;
  /** Engine reports, own in-flight counts and the prefix index, per replica (inference-aware). */
  readonly replicas: ReplicaSignals;
  /** Each replica's slots shared fairly between projects (replica-shares.ts). */
  readonly replicaShares: ReplicaShares;
  readonly recordOutcome: (row: OutcomeRow) => void;
  /** OpenTelemetry traces; null when no OTLP endpoint is configured (then tracing costs nothing). */
  readonly tracing: ProxyTracing | null;
  /** Pinned jobs: which cluster/replica took each job key (job-pins.ts). */
  readonly jobPins: JobPins;
  /** Async jobs (async-jobs.ts); null without a database. */
  jobs: AsyncJobs | null;
  /** The job routes' bounded, fair store lookups (job-route-reads.ts); null without a database. */
  readonly jobRoutes: JobRouteReads | null;
  /** Sibling worker processes on the same port (cluster-peers.ts); null when this process is alone. */
  readonly peers: ClusterPeers | null;
  draining: boolean;
}

export function breakerFor(rt: ProxyRuntime, clusterId: string, appId: string): CircuitBreaker {
  const k = circuitKey(clusterId, appId);
  let b = rt.breakers.get(k);
  if (b === undefined) {
    const peers = rt.peers;
    b = new CircuitBreaker(
      rt.config.circuitFailureThreshold,
      rt.config.circuitOpenMs,
      peers === null ? undefined : (state, at) => peers.circuitChanged(k, state, at),
    );
    rt.breakers.set(k, b);
  }
  return b;
}
