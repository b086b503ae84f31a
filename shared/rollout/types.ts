/**
 * Model versions and gated rollouts: plain data shared by the edge (which version a request
 * gets), the rollout controller (gates, steps) and the CLI. No I/O.
 */

/** What one cluster's replicas serve for one app, as its aggregator read it from `/v1/models`. */
export interface DeploymentVersion {
  readonly clusterId: string;
  readonly model: string;
  readonly version: string;
}

/**
 * `running`: the controller moves the weight step by step; `paused`: the weight stays, no gate
 * acts; `promoted`: the canary became the stable version; `aborted` (operator) and
 * `rolled-back` (a gate failed): all traffic back on the stable version.
 */
export type RolloutStatus = 'running' | 'paused' | 'promoted' | 'aborted' | 'rolled-back';
export const ROLLOUT_STATUSES: readonly RolloutStatus[] = ['running', 'paused', 'promoted', 'aborted', 'rolled-back'];

/** The part of a rollout the edge needs for each request. */
export interface RolloutView {
  readonly id: string;
  readonly model: string;
  /** The version serving everyone not in the canary (after promotion: the promoted one). */
  readonly stable: string;
  readonly canary: string;
  readonly status: RolloutStatus;
  /** Share of (non-held) traffic on the canary, 0..100. */
  readonly weightPct: number;
  /** Cluster regions whose clients stay on the stable version until promotion. */
  readonly heldRegions: readonly string[];
  /** The gates (the edge's canary brake reads the error budget); absent = the defaults. */
  readonly gates?: { readonly errorBudget: number };
}

/** Thresholds of the automatic gates: canary against stable over the current step. */
export interface GateConfig {
  /** Canary outcomes needed before the rate and latency gates judge (and before a step may advance). */
  readonly minRequests: number;
  /**
   * Canary errors clients may see in one step regardless of rates: reaching it rolls back (0: the
   * first error does). The edge's brake (canary-brake.ts) stops sending to the canary at the same count.
   */
  readonly errorBudget: number;
  /** Canary error rate may exceed stable's by at most this much (0..1, absolute). */
  readonly maxErrorRateDelta: number;
  /** Canary TTFT p95 may be at most this × stable's p95 … */
  readonly maxTtftP95Ratio: number;
  /** … plus this many ms (so tiny stable latencies do not make noise a regression). */
  readonly ttftSlackMs: number;
  /** Canary share of cut streams may exceed stable's by at most this much (0..1). */
  readonly maxCutRateDelta: number;
}

export const DEFAULT_GATES: GateConfig = Object.freeze({
  minRequests: 20,
  errorBudget: 5,
  maxErrorRateDelta: 0.02,
  maxTtftP95Ratio: 1.5,
  ttftSlackMs: 50,
  maxCutRateDelta: 0.01,
});

/** The whole rollout as stored (one row per app in `rollouts`). */
export interface Rollout extends RolloutView {
  readonly appId: string;
  /** Canary weight of each step, ascending, ending at 100. */
  readonly steps: readonly number[];
  readonly stepIndex: number;
  readonly stepStartedAt: number;
  /** How long a step must run with passing gates before the next one. */
  readonly holdMs: number;
  readonly gates: GateConfig;
  /** After the last step's hold, promote without an operator. */
  readonly autoPromote: boolean;
  /** Why the status last changed (a failed gate's detail, an operator's action). */
  readonly reason: string | null;
  readonly startedAt: number;
  readonly updatedAt: number;
}
