import type { LatencyEstimate } from './latency-estimate.ts';
import type { ModifierFactor, Policy } from './types.ts';

// Each modifier is a multiplicative factor on the candidate's capacity weight,
// returned with a human-readable input so the explanation shows why.

/** x^w for x > 0. Math.pow costs ~3× exp(log) in V8 and the weights are often 1 or 2. */
function pow(x: number, w: number): number {
  if (w === 0 || x === 1) return 1;
  if (w === 1) return x;
  if (w === 2) return x * x;
  return Math.exp(w * Math.log(x));
}

function r2(x: number): number {
  return Math.round(x * 100) / 100;
}

// Modifier objects are immutable, so the constant ones are shared rather than allocated per decision.
const LATENCY_NEUTRAL: ModifierFactor = Object.freeze({
  name: 'latency',
  factor: 1,
  detail: 'client location unknown: neutral',
});
const FRESH: ModifierFactor = Object.freeze({
  name: 'staleness',
  factor: 1,
  detail: 'fresh (within the soft stale limit)',
});
const NEVER_SERVED: ModifierFactor = Object.freeze({
  name: 'locality',
  factor: 1,
  detail: 'never served here',
});

const SOURCE_LABEL = { rtt: 'geo + measured proxy RTT', geo: 'geo model' } as const;

/**
 * (half / (half + est)) ^ weight: 1 at zero latency, 0.5^weight at
 * `latencyHalfMs`. Smooth, so nearby clusters are preferred without one
 * region monopolising traffic. Neutral when there is no estimate.
 */
export function latencyModifier(est: LatencyEstimate | null, policy: Policy): ModifierFactor {
  if (est === null) return LATENCY_NEUTRAL;
  const half = policy.latencyHalfMs;
  const factor = pow(half / (half + est.ms), policy.weights.latency);
  return {
    name: 'latency',
    factor,
    detail: `est. ${Math.round(est.ms)} ms (${SOURCE_LABEL[est.source]})`,
  };
}

/**
 * How much price matters right now: fully at utilisation 0, fading linearly to
 * nothing at `costFadeUtilization` — when capacity is tight, any free GPU is worth its price.
 */
export function costInfluence(utilization: number, policy: Policy): number {
  return Math.max(0, 1 - utilization / policy.costFadeUtilization);
}

/** The per-decision inputs of the cost modifier, shared by every candidate (formatted once). */
export interface CostContext {
  readonly cheapest: number;
  readonly influence: number;
  /** " vs cheapest $1.5/h; utilisation 42% → influence 0.48" */
  readonly detailSuffix: string;
}

export function costContext(cheapest: number, utilization: number, policy: Policy): CostContext {
  const influence = costInfluence(utilization, policy);
  return {
    cheapest,
    influence,
    detailSuffix: ` vs cheapest $${r2(cheapest)}/h; utilisation ${Math.round(utilization * 100)}% → influence ${r2(influence)}`,
  };
}

/** "$2.57/h": compiled once per snapshot, since float formatting is the costliest part of a decision. */
export function formatPrice(price: number): string {
  return `$${r2(price)}/h`;
}

/**
 * (cheapest / price) ^ (weight × influence). The cheapest candidate gets 1; a
 * cluster twice as expensive gets 0.5^(weight × influence).
 */
export function costModifier(
  price: number,
  ctx: CostContext,
  policy: Policy,
  priceLabel = formatPrice(price),
): ModifierFactor {
  const exponent = policy.weights.cost * ctx.influence;
  // Free or unpriced capacity is treated as the cheapest: never a reason to avoid a cluster.
  const ratio = price > 0 && ctx.cheapest > 0 ? Math.min(1, ctx.cheapest / price) : 1;
  const factor = pow(ratio, exponent);
  return { name: 'cost', factor, detail: priceLabel + ctx.detailSuffix };
}

/**
 * 1 + weight × (1 − age / window) for a cluster that served the app within the
 * window: warm caches (weights, KV, compiled kernels) make it likely faster, and
 * the bonus fades as the cache cools.
 */
export function localityModifier(
  lastServedAt: number | null,
  now: number,
  policy: Policy,
): ModifierFactor {
  if (lastServedAt === null) return NEVER_SERVED;
  const age = Math.max(0, now - lastServedAt);
  const window = policy.localityWindowMs;
  const factor = localityFactor(lastServedAt, now, policy);
  if (age > window || window === 0)
    return { name: 'locality', factor, detail: `last served ${Math.round(age / 1000)}s ago (outside window)` };
  return { name: 'locality', factor, detail: `last served ${Math.round(age / 1000)}s ago` };
}

/** The factor of `localityModifier` alone: no object, no string (the ttft model scores with it). */
export function localityFactor(lastServedAt: number | null, now: number, policy: Policy): number {
  if (lastServedAt === null) return 1;
  const age = Math.max(0, now - lastServedAt);
  const window = policy.localityWindowMs;
  if (age > window || window === 0) return 1;
  return 1 + policy.weights.locality * (1 - age / window);
}

/**
 * 1 up to the soft limit, then linearly down to `staleFloor` at the hard limit:
 * old capacity numbers are less likely to still be true.
 */
export function stalenessModifier(ageMs: number, policy: Policy): ModifierFactor {
  const age = Math.max(0, ageMs);
  // Fresh state is the common case: share one object (the exact age is in the explanation's stateAgeMs).
  if (age <= policy.staleSoftMs) return FRESH;
  const span = policy.staleHardMs - policy.staleSoftMs;
  const t = Math.min(1, (age - policy.staleSoftMs) / span);
  const factor = 1 - (1 - policy.staleFloor) * t;
  return {
    name: 'staleness',
    factor,
    detail: `state ${Math.round(age)} ms old (soft limit ${policy.staleSoftMs} ms)`,
  };
}

/** The app's per-cluster weight (canary / version split; missing = 1). Built once per snapshot. */
export function staticWeightModifier(weight: number): ModifierFactor {
  return Object.freeze({
    name: 'static-weight',
    factor: weight,
    detail: weight === 1 ? 'default 1' : `configured ${weight}`,
  });
}
