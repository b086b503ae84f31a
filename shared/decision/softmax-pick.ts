import { type CandidateRow, measuredBad, queuesOnly } from './candidate-row.ts';
import { EXP_USE, type ExpMemo, expSlot, memoExp } from './exp-memo.ts';
import type { Policy, Rng } from './types.ts';
import { capByRoom, capsApply } from './share-of-room.ts';
import { reserveForFailover } from './failover-reserve.ts';
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
 * Share of the base temperature a pick uses when the share-of-room caps hold its origin,
 * without the widening by state age and deciders. That widening exists so deciders acting
 * on the same stale row do not all pile onto it; the caps now do that explicitly (each
 * origin gets at most its share of each cluster's room over the state's horizon, the rest
 * goes to the next best). At the full spread (20 ms widened by age to ~27 ms) a cluster
 * 15–20 ms farther took a large share from the nearest one with room (week slice: 37 % of
 * requests sent > 5 ms farther while the nearest had a free slot). 0.5 sharpened p50 more
 * but cost cold starts (regional-outage 204 vs least-connections 192); BENCHMARKS, session 10.
 */
export const CAPPED_TEMPERATURE_SHARE = 0.75;

/**
 * Share a candidate gets besides its softmax share when a constraint leaves
 * few candidates: `standbyShare` spread over those with loaded replicas in
 * proportion to their static weights (even when none is configured), so
 * the fallback stays warm and a failover does not land cold.
 * 0 when there are many candidates (traffic then keeps several warm anyway).
 */
export function standbyShareOf(eligible: number, policy: Policy): number {
  const p = policy.ttft;
  return eligible >= 2 && eligible <= p.standbyMaxCandidates ? p.standbyShare : 0;
}

/**
 * A standby worth keeping warm: loaded replicas (busy or free slots; the share
 * never starts new ones) and no replica faults or slowness in its recent outcomes. Not a full
 * cluster with nothing to start (it queues: `QUEUED_TIER`): it is as warm as it
 * gets, and a share would only lengthen its queue.
 */
function loaded(r: CandidateRow): boolean {
  return r.c.hasLoaded && !measuredBad(r) && !queuesOnly(r);
}

/**
 * Writes each row's softmax weight and returns their sum (`best`: the pool's lowest score): the score at
 * temperature `t` (ms), except the failure-risk term, which stays at the base
 * temperature `t0` — it is measured from outcomes, not guessed from stale
 * load, so widening must not hand a failing cluster its traffic back.
 */
function weighAll(pool: readonly CandidateRow[], best: number, t: number, t0: number, exps: ExpMemo, use: number): number {
  let total = 0;
  const widened = t !== t0;
  for (const r of pool) {
    // Relative to the best score, so the best weight is 1 (no underflow); with t = t0 this is
    // exactly exp(−(score − best) / t), bit for bit as before the widening existed.
    const x = widened ? widenedExponent(r, best, t, t0) : (r.scoreMs - best) / t;
    let w = memoExp(exps, expSlot(r.c.index, use), -x) * Math.sqrt(r.baseWeight);
    // The ttft model's modifiers, locality then static weight, multiplied in that order.
    w *= r.localityFactor;
    w *= r.c.staticWeightModifier.factor;
    r.fullWeight = w;
    total += w;
  }
  return total;
}

/**
 * The exponent at temperature `t` with the measured terms, failure risk and slowness (0 when
 * unscored), kept at `t0`: both come from outcomes, not from stale load.
 */
function widenedExponent(r: CandidateRow, best: number, t: number, t0: number): number {
  const measured = r.failureMs + r.slownessMs;
  return (r.scoreMs - measured - best) / t + measured / t0;
}

/**
 * Beyond this expected queue wait the ranking is no longer uncertain (the best
 * candidate queues for sure): the widening stops growing, so a candidate a
 * second or more worse still gets next to nothing.
 */
export const SPREAD_QUEUE_CAP_MS = 100;

/** Queue wait (ms) a request would expect under the weights just written: Σ share × queue term, capped. */
function expectedQueueMs(pool: readonly CandidateRow[], total: number): number {
  if (!(total > 0)) return 0;
  let q = 0;
  for (const r of pool) q += (r.fullWeight / total) * r.queueMs;
  return Math.min(q, SPREAD_QUEUE_CAP_MS);
}

/**
 * Queue-aware widening of the softmax. The queue term is the one stale state
 * gets most wrong: every decider reads the same free slots, so a cluster
 * predicted to queue a few ms on average in fact either has room or gets a
 * herd that queues for a second or more. Its error is of the order of its own
 * value, so where the first-pass pick expects queueing the temperature grows
 * by `queueSpread` × that expected wait (capped at SPREAD_QUEUE_CAP_MS; the
 * failure-risk term keeps the base temperature): traffic spreads over the clusters
 * scoring near the best only in the regions and hours that are saturated,
 * and stays on the nearest cluster everywhere else.
 *
 * Probabilistic pick over predicted time: weight = exp(−(score − best) / T)
 * × free capacity where the request would land (so one cluster is never
 * stampeded: its share follows its room) × locality × static weight, with T
 * widened as above, then the standby share and the failover reserve (`failover-reserve.ts`; `reserve`: the
 * app's, else the policy's). Writes each row's weight and probability; consumes exactly
 * one rng draw. Rows must carry `scoreMs`, `baseWeight` (capacity) and their terms (`predictTtft`). `exps`: the exp memo of this
 * snapshot and client location (`expMemoFor`; results are Math.exp's, bit for bit).
 */
export function softmaxPick(
  pool: readonly CandidateRow[],
  policy: Policy,
  rng: Rng,
  originRates: Float64Array | null,
  exps: ExpMemo,
  reserve: number,
): CandidateRow {
  // Under the share-of-room caps the herd is held off by the caps, not by the spread.
  const capped = capsApply(pool, originRates);
  const t = capped ? policy.ttft.temperatureMs * CAPPED_TEMPERATURE_SHARE : temperatureMs(meanAgeMs(pool), policy);
  let best = Infinity;
  for (const r of pool) best = Math.min(best, r.scoreMs);
  let total = weighAll(pool, best, t, t, exps, EXP_USE.softmax);
  // Second pass only where the sharp pick would send traffic into a queue: widen by its expected wait.
  const spread = policy.ttft.queueSpread * expectedQueueMs(pool, total);
  if (spread > 0) total = weighAll(pool, best, t + spread, t, exps, EXP_USE.widened);
  // The standby share follows the operator's static weights: a canary at 1 % or a weight of 0
  // must not be raised to an even split of the share.
  let standbys = 0;
  for (const r of pool) if (loaded(r)) standbys += r.c.staticWeight;
  const uniform = !(total > 0);
  const share = standbys > 0 ? standbyShareOf(pool.length, policy) : 0;
  const weights = weightScratch(pool.length);
  for (const r of pool) {
    const own = uniform ? 1 / pool.length : r.fullWeight / total;
    r.probability = (1 - share) * own + (share > 0 && loaded(r) ? (share * r.c.staticWeight) / standbys : 0);
  }
  if (capped) {
    // Few candidates: the busiest keeps no more than the others could take over if it failed.
    // Under the caps only: they hold what it moves within the others' room (the excess goes back).
    if (share > 0 && reserve > 0) reserveForFailover(pool, reserve);
    capByRoom(pool, originRates, policy, exps, capped);
  }
  for (let i = 0; i < pool.length; i++) {
    const r = pool[i] as CandidateRow;
    weights[i] = r.pickWeight = r.probability;
  }
  return pool[weightedIndex(weights, rng, pool.length)] ?? (pool[0] as CandidateRow);
}

function meanAgeMs(pool: readonly CandidateRow[]): number {
  let age = 0;
  for (const r of pool) age += r.stateAgeMs ?? 0;
  return age / Math.max(1, pool.length);
}

// Pick weights of the current call: reused (decide() is synchronous), grown to the largest pool seen.
let weightsBuf = new Float64Array(64);
function weightScratch(n: number): Float64Array {
  if (weightsBuf.length < n) weightsBuf = new Float64Array(Math.max(n, weightsBuf.length * 2));
  return weightsBuf;
}
