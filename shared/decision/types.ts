import type { StrategyName, Tier } from '../domain/types.ts';
import type { JobPinNote } from './job-pin.ts';
import type { RolloutNote } from '../rollout/select-version.ts';

/** A source of uniform randomness in [0, 1). Seeded in production so replays are exact. */
export interface Rng {
  next(): number;
}

/** Why a candidate was disqualified (hard filter). Stable codes: logged, counted, replayed. */
export type DisqualificationCode =
  | 'residency' // outside the app's allowed continents/regions/client continent
  | 'excluded' // cluster excluded in the app's config
  | 'unknown-cluster' // deployed to a cluster with no static facts
  | 'no-state' // no dynamic state row for this app on this cluster
  | 'stale' // state older than the hard stale limit: treated as unknown
  | 'unhealthy' // app or cluster reported unhealthy
  | 'circuit-open' // a proxy's circuit breaker is open for this cluster
  | 'draining' // cluster or its proxy is draining
  | 'hardware' // GPU type not acceptable to the app
  | 'no-capacity'; // no hot, warm or cold capacity at all

/** Why the chosen cluster was chosen. */
export type ReasonCode =
  | 'weighted-pick' // switchyard pipeline: weighted random pick in the best tier
  | 'fastest-predicted' // switchyard (ttft model): softmax pick over predicted time to first token
  | 'only-candidate'
  | 'strategy' // a classic strategy (round robin, hash, ...) chose it
  | 'pinned-job' // the request's job key is pinned to this cluster (job-pin.ts)
  | 'panic' // every candidate failed health-type filters; panic rule chose least-bad
  | 'no-candidate'; // nothing could be chosen (e.g. residency excludes all)

export type DecisionOutcome = 'routed' | 'panic' | 'no-candidate';

/** One multiplicative modifier applied to a candidate's base weight. */
export interface ModifierFactor {
  readonly name: 'latency' | 'cost' | 'locality' | 'staleness' | 'static-weight';
  readonly factor: number;
  /** Human-readable input, e.g. "est. 84 ms (geo + measured proxy RTT)". */
  readonly detail: string;
}

/** One additive term of a candidate's predicted time to first token (ttft model). */
export interface TtftTerm {
  readonly name: 'network' | 'queue' | 'startup' | 'failure-risk' | 'price' | 'uncertainty' | 'slowness';
  /** Milliseconds this term adds to the candidate's score. */
  readonly ms: number;
  /** Human-readable inputs, in ms and $, e.g. "$4.6/h vs cheapest $2.2/h: +$2.4/h ÷ $0.02/h per ms". */
  readonly detail: string;
}

export interface CandidateExplanation {
  readonly clusterId: string;
  readonly region: string | null;
  readonly provider: string | null;
  /** Empty when the candidate passed every hard filter. */
  readonly disqualifications: readonly { code: DisqualificationCode; detail: string }[];
  readonly tier: Tier | null;
  /** Base weight from capacity, before modifiers. */
  readonly baseWeight: number;
  readonly modifiers: readonly ModifierFactor[];
  /** Final weight used for the pick (0 when disqualified or outside the best tier). */
  readonly weight: number;
  /** Probability of being picked (weight / sum of weights in the best tier). */
  readonly probability: number;
  /** weights model: network estimate; ttft model: predicted time to first token (network + queue + start-up + failure risk). */
  readonly estimatedLatencyMs: number | null;
  readonly pricePerHour: number | null;
  readonly stateAgeMs: number | null;
  /** ttft model only: every term of the score (predicted ms + price and uncertainty in ms). */
  readonly terms?: readonly TtftTerm[];
  /** ttft model only: the score the softmax ranks (sum of `terms`). */
  readonly scoreMs?: number;
  /**
   * ttft model, snapshot with inflow by origin, known origin (colo): the most of this origin's
   * traffic the candidate may take before the next state arrives, from its room and the other
   * origins' inflow (`share-of-room.ts`). `probability` stays at or under it unless every
   * candidate is at its cap. Absent: no cap known.
   */
  readonly shareCap?: number;
  /**
   * ttft model, every candidate at its `shareCap`: the share of this origin's traffic placed here
   * beyond the cap because the cluster can start a replica soonest — its unpinned warm headroom,
   * then its cold one, nearest first; start-up slots that apps with fewer homes need here are not
   * taken (`ClusterAppState.pinnedStartSlots`, `share-of-room.ts`). Absent: none.
   */
  readonly overflowShare?: number;
  /**
   * ttft model, few candidates (`failover-reserve.ts`): the share of this origin's traffic the
   * failover reserve moved off the candidate carrying the most busy slots (negative) and onto the
   * others (positive), so that their free slots could take its load if it failed. Absent: none moved.
   */
  readonly reserveShare?: number;
  /**
   * Beside `reserveShare`: whose setting the reserve was, the app's own (`failoverReserve` in its
   * config) or the fleet policy's (`ROUTE_FAILOVER_RESERVE`), so an operator knows which to change.
   */
  readonly reserveFrom?: ReserveSource;
}

/** Where a decision's failover reserve came from: the app's config, else the fleet policy. */
export type ReserveSource = 'app' | 'policy';

/**
 * What a decision states outright, in the order it is serialised: the one list of these fields
 * (decide() builds the head first; its explanation, `candidates` and `summary`, may be built later).
 */
export interface DecisionHead {
  readonly id: string;
  readonly at: number;
  readonly appId: string;
  readonly fn: string;
  readonly strategy: StrategyName;
  readonly outcome: DecisionOutcome;
  readonly chosen: string | null;
  /** Ranked fallbacks (best first), excluding the chosen cluster. */
  readonly fallbacks: readonly string[];
  readonly reason: ReasonCode;
  readonly tier: Tier | null;
  /** True when made from a snapshot older than the policy's stale limit (e.g. database down). */
  readonly stale: boolean;
  readonly synthetic: boolean;
  readonly policyVersion: string;
  readonly seed: string;
}

/** The full, serialisable result of one routing decision. */
export interface Decision extends DecisionHead {
  readonly candidates: readonly CandidateExplanation[];
  /** One line a human can read: "chose eu-west-1 (hot, p=0.62) ..." */
  readonly summary: string;
  /** Present when the request's job key had a live pin: honoured, or which hard rule broke it. */
  readonly jobPin?: JobPinNote;
  /** Present when the app has a rollout: the version chosen and why (shared/rollout/select-version.ts). */
  readonly rollout?: RolloutNote;
}

/** Inputs of the ttft model (see `ttft-terms.ts`, `softmax-pick.ts`). */
export interface TtftPolicy {
  /** Softmax temperature for fresh state and one decider, in ms of predicted time. */
  readonly temperatureMs: number;
  /** Edge instances deciding from the same snapshot: more deciders, flatter picks. */
  readonly deciders: number;
  /** What 1 ms of time to first token is worth, in $ per GPU-hour (price → ms). 0 ignores price. */
  readonly usdPerGpuHourPerMs: number;
  /** Start-up times assumed when the aggregator reports none. */
  readonly warmStartMs: number;
  readonly coldStartMs: number;
  /** Mean time a request holds a slot, when the aggregator reports none. */
  readonly serviceMs: number;
  /** Time a failed attempt costs before the retry elsewhere starts (besides its own round trip). */
  readonly retryPenaltyMs: number;
  /** Outcomes needed before an error rate counts fully (a prior of this many clean requests). */
  readonly outcomePrior: number;
  /** Outcome stats older than this are ignored. */
  readonly outcomeMaxAgeMs: number;
  /** Uncertainty (ms) added to a candidate whose state is at the hard stale limit. */
  readonly staleUncertaintyMs: number;
  /** Share of traffic spread evenly over the candidates when a constraint leaves few (keeps standbys warm). */
  readonly standbyShare: number;
  /** "Few": the standby share applies when at most this many candidates are eligible. */
  readonly standbyMaxCandidates: number;
  /**
   * N+1 sizing among few candidates (`failover-reserve.ts`): the busiest keeps at most the share
   * whose busy load the others' free slots × this could take if it failed. 0 turns it off.
   */
  readonly failoverReserve: number;
  /**
   * Softmax widening where picks would queue: the temperature grows by this × the queue
   * wait (ms) the first-pass pick expects (`softmax-pick.ts`). 0 turns it off.
   */
  readonly queueSpread: number;
  /**
   * The slowness term (`slownessTerm`): a candidate's observed TTFB that its queue does not
   * explain counts only where it exceeds the app's on its other clusters by more than
   * `slownessMinMs` and by more than `slownessMinRatio` × theirs, and is shrunk towards 0 by a
   * prior of `slownessPrior` requests (n ÷ (n + prior)). Fixed defaults (no ROUTE_* variable).
   */
  readonly slownessMinMs: number;
  readonly slownessMinRatio: number;
  readonly slownessPrior: number;
}

/** Tunable inputs of the decision, parsed from env vars (see `policy.ts`). */
export interface Policy {
  readonly version: string;
  readonly defaultStrategy: StrategyName;
  /**
   * How `switchyard` ranks candidates: `ttft` predicts each one's time to first token and
   * picks by softmax over it; `weights` is the previous capacity × modifiers model (kept
   * for comparison and for replaying decisions made with it).
   */
  readonly model: 'ttft' | 'weights';
  readonly ttft: TtftPolicy;
  readonly weights: {
    /** Exponent on the latency factor; 0 ignores latency. */
    readonly latency: number;
    /** Exponent on the cost factor; 0 ignores cost. */
    readonly cost: number;
    /** Multiplier bonus for clusters that served the app recently; 0 ignores locality. */
    readonly locality: number;
  };
  /** Latency at which the latency factor halves. */
  readonly latencyHalfMs: number;
  /** Cost influence fades linearly from full (utilisation 0) to none (at this utilisation, 0..1). */
  readonly costFadeUtilization: number;
  /** How recent "served recently" must be for the locality bonus. */
  readonly localityWindowMs: number;
  /** State older than this is discounted (linearly down to `staleFloor` at the hard limit). */
  readonly staleSoftMs: number;
  /** State older than this is unknown: the candidate is disqualified as `stale`. */
  readonly staleHardMs: number;
  readonly staleFloor: number;
  /** What to do when every candidate fails health-type filters (never residency/hardware/excluded). */
  readonly panic: 'off' | 'least-bad';
  readonly maxFallbacks: number;
}

/** Input every decision gets besides the request and the snapshot: time, randomness, identity. */
export interface DecideContext {
  readonly now: number;
  readonly rng: Rng;
  readonly seed: string;
  readonly decisionId: string;
  /** Snapshot known to be older than the refresh limit (database unreachable). */
  readonly staleSnapshot: boolean;
  /** Mutable per-app counters for stateful classic strategies (round robin, least outstanding). */
  readonly strategyState?: StrategyState;
}

/** State that classic strategies keep between calls (per app or per upstream pool). */
export interface StrategyState {
  roundRobinCursor: number;
  /** In-flight requests per target id (least outstanding, power of two). */
  readonly outstanding: Map<string, number>;
}
