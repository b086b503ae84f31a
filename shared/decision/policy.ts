import { STRATEGIES } from '../domain/types.ts';
import type { StrategyName } from '../domain/types.ts';
import {
  EnvReader,
  duration,
  integer,
  nonEmptyString,
  numberInRange,
  oneOf,
} from '../env/index.ts';
import type { Env, FieldParser, ParseResult } from '../env/index.ts';
import type { Policy } from './types.ts';

/** The policy used when no ROUTE_* variable is set. Tuned for LLM inference across continents. */
export const DEFAULT_POLICY: Policy = Object.freeze({
  version: 'default',
  defaultStrategy: 'switchyard',
  model: 'ttft',
  ttft: Object.freeze({
    temperatureMs: 20,
    deciders: 1,
    usdPerGpuHourPerMs: 0.05,
    warmStartMs: 15_000,
    coldStartMs: 240_000,
    serviceMs: 10_000,
    retryPenaltyMs: 250,
    outcomePrior: 5,
    outcomeMaxAgeMs: 120_000,
    staleUncertaintyMs: 200,
    standbyShare: 0.05,
    standbyMaxCandidates: 3,
    failoverReserve: 0,
    queueSpread: 3,
    // The slowness term (ttft-terms.ts `slownessTerm`): only an excess the size of a slow
    // prefill or a throttled GPU counts (200 ms is ~10 × the softmax temperature, and above what
    // one request's queue wait or a window's noise adds), only above half of what the app's other
    // clusters take (clusters on other GPUs legitimately differ by less), and only once
    // about twenty requests show it.
    slownessMinMs: 200,
    slownessMinRatio: 0.5,
    slownessPrior: 20,
  }),
  weights: Object.freeze({ latency: 2, cost: 0.5, locality: 0.5 }),
  latencyHalfMs: 100,
  costFadeUtilization: 0.8,
  localityWindowMs: 10 * 60_000,
  staleSoftMs: 15_000,
  staleHardMs: 120_000,
  staleFloor: 0.2,
  panic: 'least-bad',
  maxFallbacks: 3,
});

const PANIC_MODES = ['off', 'least-bad'] as const;
const MODELS = ['ttft', 'weights'] as const;

/** One ROUTE_* variable: how it is parsed, its default, and what it does (rendered into docs). */
export interface PolicyVariable {
  readonly name: string;
  readonly default: string;
  readonly accepts: string;
  readonly description: string;
}

interface Spec<T> {
  readonly name: string;
  readonly parse: FieldParser<T>;
  readonly fallback: T;
  readonly shown: string;
  readonly description: string;
}

function spec<T>(
  name: string,
  parse: FieldParser<T>,
  fallback: T,
  description: string,
  shown = String(fallback),
): Spec<T> {
  return { name, parse, fallback, shown, description };
}

const d = DEFAULT_POLICY;
const t = DEFAULT_POLICY.ttft;

const SPECS = {
  version: spec(
    'ROUTE_POLICY_VERSION',
    nonEmptyString(),
    d.version,
    'Label logged with every decision so replays and back-tests can tell policies apart.',
  ),
  defaultStrategy: spec(
    'ROUTE_DEFAULT_STRATEGY',
    oneOf(STRATEGIES),
    d.defaultStrategy,
    "Strategy for apps whose config does not name one (an app's own strategy always wins).",
  ),
  model: spec(
    'ROUTE_MODEL',
    oneOf(MODELS),
    d.model,
    '`ttft`: rank by predicted time to first token (network + queue + start-up + failure risk, price and staleness in ms) and pick by softmax; `weights`: the previous capacity × modifiers model.',
  ),
  temperature: spec(
    'ROUTE_TEMPERATURE_MS',
    numberInRange(0.1, 10_000),
    t.temperatureMs,
    'ttft model: softmax temperature in ms for fresh state (a candidate 1 temperature slower gets e⁻¹ of the weight); widens with state age and deciders, except where the share-of-room caps hold the request origin (then 0.75 × this, unwidened: the caps keep deciders off one stale row).',
  ),
  deciders: spec(
    'ROUTE_DECIDERS',
    integer(1, 1_000_000),
    t.deciders,
    'ttft model: edge instances deciding from the same snapshot; each doubling widens the temperature by 25 % so they do not stampede one cluster.',
  ),
  latencyValue: spec(
    'ROUTE_LATENCY_VALUE_USD',
    numberInRange(0, 1000),
    t.usdPerGpuHourPerMs,
    'ttft model: what 1 ms of time to first token is worth in $ per GPU-hour; a price premium of $X/h counts as X ÷ this ms. 0 ignores price.',
  ),
  warmStart: spec(
    'ROUTE_WARM_START',
    duration(0, 3_600_000),
    t.warmStartMs,
    'ttft model: warm start-up time assumed when the aggregator reports none.',
    '15s',
  ),
  coldStart: spec(
    'ROUTE_COLD_START',
    duration(0, 86_400_000),
    t.coldStartMs,
    'ttft model: cold start-up time assumed when the aggregator reports none.',
    '4m',
  ),
  serviceTime: spec(
    'ROUTE_SERVICE_TIME',
    duration(1, 86_400_000),
    t.serviceMs,
    'ttft model: mean time a request holds a slot, when the aggregator reports none (sets how fast a queue drains).',
    '10s',
  ),
  retryPenalty: spec(
    'ROUTE_RETRY_PENALTY',
    duration(0, 600_000),
    t.retryPenaltyMs,
    'ttft model: time a failed attempt costs before its retry elsewhere starts, besides its round trip.',
    '250ms',
  ),
  outcomePrior: spec(
    'ROUTE_OUTCOME_PRIOR',
    numberInRange(0, 1_000_000),
    t.outcomePrior,
    'ttft model: error rates are errors ÷ (requests + this): a few errors on little traffic do not evict a cluster.',
  ),
  outcomeMaxAge: spec(
    'ROUTE_OUTCOME_MAX_AGE',
    duration(1, 86_400_000),
    t.outcomeMaxAgeMs,
    'ttft model: outcome statistics older than this are ignored.',
    '2m',
  ),
  staleUncertainty: spec(
    'ROUTE_STALE_UNCERTAINTY_MS',
    numberInRange(0, 3_600_000),
    t.staleUncertaintyMs,
    'ttft model: ms added to a candidate whose state is at the hard stale limit (linear from 0 at the soft limit).',
  ),
  standbyShare: spec(
    'ROUTE_STANDBY_SHARE',
    numberInRange(0, 0.5),
    t.standbyShare,
    'ttft model: share of traffic spread over loaded candidates when few are eligible, so a constrained fallback stays warm.',
  ),
  standbyMax: spec(
    'ROUTE_STANDBY_MAX_CANDIDATES',
    integer(2, 64),
    t.standbyMaxCandidates,
    'ttft model: the standby share applies when at most this many candidates are eligible.',
  ),
  failoverReserve: spec(
    'ROUTE_FAILOVER_RESERVE',
    numberInRange(0, 4),
    t.failoverReserve,
    'ttft model, when few candidates are eligible (as the standby share): the candidate carrying the most busy slots keeps at most the share whose load the others\' free slots × this could take if it failed (N+1), so a failover does not wait for cold starts; 1 sizes for the busiest failing (N+1). Costs money in steady state (the cheap cluster carries less): 0, the default, leaves it off. An app\'s `failoverReserve` overrides it for that app.',
  ),
  queueSpread: spec(
    'ROUTE_QUEUE_SPREAD',
    numberInRange(0, 100),
    t.queueSpread,
    'ttft model: where the sharp pick would send requests into a queue, the softmax temperature widens by this × the queue wait (ms) it expects, so a saturated region spreads its traffic instead of herding onto the clusters that look free in stale state. 0 turns it off.',
  ),
  latency: spec(
    'ROUTE_WEIGHT_LATENCY',
    numberInRange(0, 10),
    d.weights.latency,
    'weights model: exponent on the latency factor; 0 ignores latency, 2 makes it twice as decisive.',
  ),
  cost: spec(
    'ROUTE_WEIGHT_COST',
    numberInRange(0, 10),
    d.weights.cost,
    'weights model: exponent on the cost factor (cheapest = 1); 0 ignores price.',
  ),
  locality: spec(
    'ROUTE_WEIGHT_LOCALITY',
    numberInRange(0, 10),
    d.weights.locality,
    'Bonus (1 + w) for a cluster that served the app just now, fading over the locality window; 0 ignores locality.',
  ),
  latencyHalfMs: spec(
    'ROUTE_LATENCY_HALF_MS',
    duration(1, 10_000),
    d.latencyHalfMs,
    'weights model: estimated latency at which the latency factor is 0.5.',
    '100ms',
  ),
  costFade: spec(
    'ROUTE_COST_FADE_UTILIZATION',
    numberInRange(0.01, 1),
    d.costFadeUtilization,
    "weights model: hot-slot utilisation at which price stops mattering (cost's influence fades linearly from 0 to here).",
  ),
  localityWindow: spec(
    'ROUTE_LOCALITY_WINDOW',
    duration(0, 86_400_000),
    d.localityWindowMs,
    'How recently a cluster must have served the app to get the cache-locality bonus.',
    '10m',
  ),
  staleSoft: spec(
    'ROUTE_STALE_SOFT',
    duration(0, 3_600_000),
    d.staleSoftMs,
    'State older than this is discounted linearly (down to ROUTE_STALE_FLOOR at the hard limit).',
    '15s',
  ),
  staleHard: spec(
    'ROUTE_STALE_HARD',
    duration(1, 3_600_000),
    d.staleHardMs,
    'State older than this is unknown: the cluster is disqualified as `stale`. Must exceed ROUTE_STALE_SOFT.',
    '2m',
  ),
  staleFloor: spec(
    'ROUTE_STALE_FLOOR',
    numberInRange(0, 1),
    d.staleFloor,
    'Weight factor for state just below the hard stale limit.',
  ),
  panic: spec(
    'ROUTE_PANIC',
    oneOf(PANIC_MODES),
    d.panic,
    'When every candidate fails health checks: `least-bad` routes to the least-bad one anyway (spread by expected queue wait when the least bad are all full), `off` refuses. Never overrides residency, exclusions, hardware or draining.',
  ),
  maxFallbacks: spec(
    'ROUTE_MAX_FALLBACKS',
    integer(0, 16),
    d.maxFallbacks,
    'How many ranked fallback clusters a decision (and its token) carries.',
  ),
} as const;

/** Every ROUTE_* variable with its default and meaning, for docs and `--help` output. */
export const POLICY_VARIABLES: readonly PolicyVariable[] = Object.values(SPECS).map((s) => ({
  name: s.name,
  default: s.shown,
  accepts: s.parse.expected,
  description: s.description,
}));

/**
 * The policy described by ROUTE_* variables in `env`. Unset variables take
 * `DEFAULT_POLICY`'s values; other variables are ignored; every invalid value
 * (and every inconsistent pair) is reported at once — never silently defaulted.
 */
export function parsePolicy(env: Env): ParseResult<Policy> {
  const r = new EnvReader(env);
  const read = <T>(s: Spec<T>): T => r.read(s.name, s.parse, s.fallback);
  const policy: Policy = {
    version: read(SPECS.version),
    defaultStrategy: read<StrategyName>(SPECS.defaultStrategy),
    model: read<Policy['model']>(SPECS.model),
    ttft: {
      temperatureMs: read(SPECS.temperature),
      deciders: read(SPECS.deciders),
      usdPerGpuHourPerMs: read(SPECS.latencyValue),
      warmStartMs: read(SPECS.warmStart),
      coldStartMs: read(SPECS.coldStart),
      serviceMs: read(SPECS.serviceTime),
      retryPenaltyMs: read(SPECS.retryPenalty),
      outcomePrior: read(SPECS.outcomePrior),
      outcomeMaxAgeMs: read(SPECS.outcomeMaxAge),
      staleUncertaintyMs: read(SPECS.staleUncertainty),
      standbyShare: read(SPECS.standbyShare),
      standbyMaxCandidates: read(SPECS.standbyMax),
      failoverReserve: read(SPECS.failoverReserve),
      queueSpread: read(SPECS.queueSpread),
      // Fixed defaults (no variable): one policy for every fleet until an operator needs them.
      slownessMinMs: d.ttft.slownessMinMs,
      slownessMinRatio: d.ttft.slownessMinRatio,
      slownessPrior: d.ttft.slownessPrior,
    },
    weights: {
      latency: read(SPECS.latency),
      cost: read(SPECS.cost),
      locality: read(SPECS.locality),
    },
    latencyHalfMs: read(SPECS.latencyHalfMs),
    costFadeUtilization: read(SPECS.costFade),
    localityWindowMs: read(SPECS.localityWindow),
    staleSoftMs: read(SPECS.staleSoft),
    staleHardMs: read(SPECS.staleHard),
    staleFloor: read(SPECS.staleFloor),
    panic: read<Policy['panic']>(SPECS.panic),
    maxFallbacks: read(SPECS.maxFallbacks),
  };
  const softOk = !r.errors.some(
    (e) => e.variable === SPECS.staleSoft.name || e.variable === SPECS.staleHard.name,
  );
  if (softOk && policy.staleSoftMs >= policy.staleHardMs) {
    r.fail(
      `${SPECS.staleSoft.name}/${SPECS.staleHard.name}`,
      `${SPECS.staleSoft.name} (${policy.staleSoftMs} ms) must be less than ${SPECS.staleHard.name} (${policy.staleHardMs} ms)`,
      env[SPECS.staleSoft.name],
    );
  }
  return r.finish(policy);
}

/**
 * The strategy to run for an app: its own when its config names one, else the
 * policy's default (`ROUTE_DEFAULT_STRATEGY`). `decide()` calls it for every decision.
 */
export function resolveStrategy(
  configured: StrategyName | null | undefined,
  policy: Policy,
): StrategyName {
  const s = configured ?? policy.defaultStrategy;
  // A replica-level strategy: the edge, which sees clusters and not caches, runs its pipeline.
  return s === 'inference-aware' ? 'switchyard' : s;
}
