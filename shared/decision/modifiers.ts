import type { LatencyEstimate } from './latency-estimate.ts';
import type { ModifierFactor, Policy } from './types.ts';

// Each modifier is a multiplicative factor on the candidate's capacity weight,
// returned with a human-readable input so the explanation shows why.

function r2(x: number): number {
  return Math.round(x * 100) / 100;
}

const SOURCE_LABEL = { ttft: 'ttft, measured', rtt: 'rtt, measured', geo: 'geo model' } as const;

/**
 * (half / (half + est)) ^ weight: 1 at zero latency, 0.5^weight at
 * `latencyHalfMs`. Smooth, so nearby clusters are preferred without one
 * region monopolising traffic. Neutral when there is no estimate.
 */
export function latencyModifier(est: LatencyEstimate | null, policy: Policy): ModifierFactor {
  if (est === null) return { name: 'latency', factor: 1, detail: 'client location unknown: neutral' };
  const half = policy.latencyHalfMs;
  const factor = policy.weights.latency === 0 ? 1 : Math.pow(half / (half + est.ms), policy.weights.latency);
  return { name: 'latency', factor, detail: `est. ${Math.round(est.ms)} ms (${SOURCE_LABEL[est.source]})` };
}

/**
 * How much price matters right now: fully at utilisation 0, fading linearly to
 * nothing at `costFadeUtilization` — when capacity is tight, any free GPU is worth its price.
 */
export function costInfluence(utilization: number, policy: Policy): number {
  return Math.max(0, 1 - utilization / policy.costFadeUtilization);
}

/**
 * (cheapest / price) ^ (weight × influence). The cheapest candidate gets 1; a
 * cluster twice as expensive gets 0.5^(weight × influence).
 */
export function costModifier(
  price: number,
  cheapest: number,
  influence: number,
  utilization: number,
  policy: Policy,
): ModifierFactor {
  const exponent = policy.weights.cost * influence;
  // Free or unpriced capacity is treated as the cheapest: never a reason to avoid a cluster.
  const ratio = price > 0 && cheapest > 0 ? Math.min(1, cheapest / price) : 1;
  const factor = exponent === 0 || ratio === 1 ? 1 : Math.pow(ratio, exponent);
  return {
    name: 'cost',
    factor,
    detail: `$${r2(price)}/h vs cheapest $${r2(cheapest)}/h; utilisation ${Math.round(utilization * 100)}% → influence ${r2(influence)}`,
  };
}

/**
 * 1 + weight × (1 − age / window) for a cluster that served the app within the
 * window: warm caches (weights, KV, compiled kernels) make it likely faster, and
 * the bonus fades as the cache cools.
 */
export function localityModifier(lastServedAt: number | null, now: number, policy: Policy): ModifierFactor {
  if (lastServedAt === null) return { name: 'locality', factor: 1, detail: 'never served here' };
  const age = Math.max(0, now - lastServedAt);
  const window = policy.localityWindowMs;
  if (age > window || window === 0) return { name: 'locality', factor: 1, detail: `last served ${Math.round(age / 1000)}s ago (outside window)` };
  const factor = 1 + policy.weights.locality * (1 - age / window);
  return { name: 'locality', factor, detail: `last served ${Math.round(age / 1000)}s ago` };
}

/**
 * 1 up to the soft limit, then linearly down to `staleFloor` at the hard limit:
 * old capacity numbers are less likely to still be true.
 */
export function stalenessModifier(ageMs: number, policy: Policy): ModifierFactor {
  const age = Math.max(0, ageMs);
  if (age <= policy.staleSoftMs) return { name: 'staleness', factor: 1, detail: `state ${Math.round(age)} ms old` };
  const span = policy.staleHardMs - policy.staleSoftMs;
  const t = Math.min(1, (age - policy.staleSoftMs) / span);
  const factor = 1 - (1 - policy.staleFloor) * t;
  return { name: 'staleness', factor, detail: `state ${Math.round(age)} ms old (soft limit ${policy.staleSoftMs} ms)` };
}

/** The app's per-cluster weight (canary / version split; missing = 1). */
export function staticWeightModifier(weight: number): ModifierFactor {
  return { name: 'static-weight', factor: weight, detail: weight === 1 ? 'default 1' : `configured ${weight}` };
}
