import type { CandidateRow } from './candidate-row.ts';
import type { Policy, Rng } from './types.ts';
import { weightedIndex } from './weighted-pick.ts';

/**
 * Softmax temperature in ms: the policy's base, widened as state ages (every
 * decider acts on the same old numbers, so the best-looking cluster is less
 * certain to still be best) and with the number of deciders sharing one
 * snapshot (each doubling +25 %), so they do not all pile onto one cluster.
 */
export function temperatureMs(meanAgeMs: number, policy: Policy): number {
  const p = policy.ttft;
  const age = 1 + Math.max(0, meanAgeMs) / Math.max(1, policy.staleSoftMs);
  const deciders = 1 + 0.25 * Math.log2(Math.max(1, p.deciders));
  return p.temperatureMs * age * deciders;
}

/**
 * Share a candidate gets besides its softmax share when a constraint leaves
 * few candidates: `standbyShare` spread evenly over those with loaded
 * replicas, so the fallback stays warm and a failover does not land cold.
 * 0 when there are many candidates (traffic then keeps several warm anyway).
 */
export function standbyShareOf(eligible: number, policy: Policy): number {
  const p = policy.ttft;
  return eligible >= 2 && eligible <= p.standbyMaxCandidates ? p.standbyShare : 0;
}

/**
 * A standby worth keeping warm: loaded replicas (busy or free slots; the share
 * never starts new ones) and no replica faults in its recent outcomes.
 */
function loaded(r: CandidateRow): boolean {
  const s = r.c.state;
  if (s === null || s.hotBusy + s.hotFree <= 0) return false;
  // terms are [network, queue, startup, failure-risk, price, uncertainty] (predict-ttft.ts).
  const failure = r.terms?.[3];
  return failure === undefined || failure.ms <= 0;
}

/**
 * Probabilistic pick over predicted time: weight = exp(−(score − best) / T)
 * × free capacity where the request would land (so one cluster is never
 * stampeded: its share follows its room) × locality × static weight, then the
 * standby share. Writes each row's weight and probability; consumes exactly
 * one rng draw. Rows must carry `scoreMs` and `baseWeight` (capacity).
 */
export function softmaxPick(pool: readonly CandidateRow[], policy: Policy, rng: Rng): CandidateRow {
  let best = Infinity;
  let age = 0;
  for (const r of pool) {
    if (r.scoreMs < best) best = r.scoreMs;
    age += r.stateAgeMs ?? 0;
  }
  const t = temperatureMs(age / Math.max(1, pool.length), policy);
  let total = 0;
  let standbys = 0;
  for (const r of pool) {
    let w = Math.exp(-(r.scoreMs - best) / t) * Math.sqrt(r.baseWeight);
    for (const m of r.modifiers) w *= m.factor;
    r.fullWeight = w;
    total += w;
    if (loaded(r)) standbys++;
  }
  const uniform = !(total > 0);
  const share = standbys > 0 ? standbyShareOf(pool.length, policy) : 0;
  const weights = new Array<number>(pool.length);
  for (let i = 0; i < pool.length; i++) {
    const r = pool[i] as CandidateRow;
    const own = uniform ? 1 / pool.length : r.fullWeight / total;
    r.probability = (1 - share) * own + (loaded(r) ? share / standbys : 0);
    r.pickWeight = r.probability;
    weights[i] = r.probability;
  }
  return pool[weightedIndex(weights, rng)] ?? (pool[0] as CandidateRow);
}
