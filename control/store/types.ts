/** Input and output shapes of the store's repository functions (times are ms since the epoch). */
import type { Decision } from '../../shared/decision/types.ts';
import type { Health } from '../../shared/domain/types.ts';

/** One replica of an app inside a cluster, as the aggregator sees it. */
export interface EndpointInput {
  readonly appId: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly weight: number;
  /** The replica's slots (its app's slotsPerReplica); absent or null = not reported. */
  readonly slots?: number | null;
}

export interface Endpoint extends EndpointInput {
  readonly clusterId: string;
  readonly observedAt: number;
}

export interface ProxyInfo {
  readonly id: string;
  readonly url: string;
  readonly region: string;
  readonly draining: boolean;
}

/** What one regional proxy measured of one cluster. */
export interface ProxyClusterHealth {
  readonly proxyId: string;
  readonly clusterId: string;
  readonly health: Health;
  readonly circuitOpen: boolean;
  readonly rttMs: number;
  readonly ttftMs: number | null;
  readonly samples: number;
  readonly observedAt: number;
}

/** A decision as logged: the full explanation plus the inputs needed to replay it. */
export interface DecisionRecord {
  readonly decision: Decision;
  /** Everything replay needs (request facts, snapshot, policy); stored as JSON. */
  readonly input: unknown;
  /** How long the decision took, microseconds; null when not measured. */
  readonly decisionUs: number | null;
}

export type { OutcomeRecord } from '../../shared/schema/outcome-statement.ts';

/** One line of `switchyard status`: a cluster, its status and its summed capacity. */
export interface ClusterStatusLine {
  readonly clusterId: string;
  readonly region: string;
  readonly provider: string;
  readonly proxyId: string;
  /** Aggregator-reported health; 'unknown' when the cluster never pushed status. */
  readonly health: Health;
  readonly draining: boolean;
  readonly proxyDraining: boolean;
  /** True when any proxy reports its circuit breaker open for this cluster. */
  readonly circuitOpen: boolean;
  readonly apps: number;
  readonly hotFree: number;
  readonly hotBusy: number;
  readonly warm: number;
  readonly cold: number;
  readonly queued: number;
  /** When the status was last pushed; null = never. */
  readonly observedAt: number | null;
}
