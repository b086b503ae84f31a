import type { AppSnapshot, RequestFacts, StrategyName } from '../domain/types.ts';
import { type CandidateRow, resetRow, rowsOf, setLength } from './candidate-row.ts';
import { chooseIndex } from './classic-strategies.ts';
import { type CompiledSnapshot, compileSnapshot } from './compile-snapshot.ts';
import { captureFrame, type DecisionFrame, stateAgeOf } from './explain.ts';
import { reserveSetting, reserveSource } from './failover-reserve.ts';
import { type Picked, lazyDecision } from './lazy-decision.ts';
import { type FilterMemo, memoHardFilters } from './hard-filter-memo.ts';
import { honourJobPin } from './job-pin.ts';
import { costFor, costTable, latencyFor } from './modifier-memo.ts';
import type { CostTable, LatencyResult } from './modifier-memo.ts';
import { latencyModifier, localityModifier, stalenessModifier } from './modifiers.ts';
import { fullButFine, leastBadOrder, spreadOverQueues } from './panic.ts';
import { chargeRetries, predictTtft, type TtftInputs } from './predict-ttft.ts';
import { expMemoFor, termTable } from './ttft-memo.ts';
import { softmaxPick } from './softmax-pick.ts';
import { resolveStrategy } from './policy.ts';
import { NO_TIER_RANK, QUEUED_TIER, TIER_RANK, capacityIn } from './tiers.ts';
import type {
  DecideContext,
  Decision,
  DecisionOutcome,
  Policy,
  ReasonCode,
} from './types.ts';
import { weightedIndex } from './weighted-pick.ts';

/**
 * Routes one request: candidates → hard filters → capacity tiers → under the
 * `ttft` model, predicted time to first token per candidate and a softmax
 * pick over it (`predict-ttft.ts`, `softmax-pick.ts`); under the `weights`
 * model, capacity weight × modifiers and a weighted pick in the best tier —
 * or the app's classic strategy over every eligible cluster → ranked
 * fallbacks, with the panic rule when only health filters removed everything.
 *
 * Pure: time, randomness and identity come from `ctx`; the same inputs and
 * seed give the same Decision. The only mutation is of `ctx.strategyState`
 * (round-robin cursor), by design. `snap` must not be mutated after first use:
 * its compiled view is cached per snapshot object.
 *
 * Lean per call: the candidate rows and term values are scratch reused across
 * calls (`candidate-row.ts`), and `candidates` and `summary` are built on first
 * read from a compact frame (`explain.ts`) — the same values, built off the
 * request path when the decision is serialised.
 */
export function decide(
  req: RequestFacts,
  snap: AppSnapshot,
  policy: Policy,
  ctx: DecideContext,
): Decision {
  return decideWith(req, snap, policy, ctx, lazyDecision);
}

/** What becomes of a decision's frame and pick: the lazy Decision, or a caller's smaller brief. */
export type DecisionFinish<T> = (req: RequestFacts, snap: AppSnapshot, policy: Policy, ctx: DecideContext, frame: DecisionFrame, p: Picked) => T;

/**
 * decide(), handing its frame and pick to `finish` instead of building the Decision: a replay
 * that only totals the chosen cluster (`chosen-brief.ts`) skips the decision object. A function
 * value, not a closure: each caller passes a module-level function and nothing is allocated.
 */
export function decideWith<T>(
  req: RequestFacts,
  snap: AppSnapshot,
  policy: Policy,
  ctx: DecideContext,
  finish: DecisionFinish<T>,
): T {
  const now = ctx.now;
  const compiled = compileSnapshot(snap);
  const scratch = rowsOf(compiled);
  const { rows, termMs } = scratch;
  const eligible = scratch.eligible;
  const filters = scratch.filters;
  let eligibleCount = 0;
  let busy = 0;
  let slots = 0;
  let cheapest = Infinity;
  let cheapestMarginal = Infinity;
  const ttft = policy.model === 'ttft';
  const strategy: StrategyName = resolveStrategy(snap.app.strategy, policy);
  let loadedEligible = false; // an eligible cluster has loaded replicas (the landing pool is those)
  let startable = false; // an eligible cluster the request may land on can start a replica
  let queues = false; // a full cluster with loaded replicas, disqualified for that alone

  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as CandidateRow;
    const c = row.c;
    const disqualifications = memoHardFilters(filters[i] as FilterMemo, c, req.client, policy, now);
    const state = c.state;
    // rowTier(disqualifications, state), with the state's tier from the compiled view.
    const tier = disqualifications.length === 0 ? c.tier : null;
    resetRow(row, disqualifications, tier, tier === null ? NO_TIER_RANK : c.tierRank, stateAgeOf(state, now));
    if (tier !== null && state !== null) {
      eligible[eligibleCount++] = row;
      busy += c.busySlots;
      slots += c.loadedSlots;
      if (state.pricePerHour > 0 && state.pricePerHour < cheapest) cheapest = state.pricePerHour;
      if (c.marginalPrice < cheapestMarginal) cheapestMarginal = c.marginalPrice;
      if (c.hasLoaded) loadedEligible = true;
      if (c.hasLoaded && c.startHeadroom > 0) startable = true;
    } else if (queueable(row)) queues = true;
  }
  // The switchyard ranking under ttft, and no cluster the request may land on can start a replica
  // (none is eligible, or the eligible ones with loaded replicas, the landing pool, cannot;
  // eligible clusters without are all start-ups, which add capacity: not then): every request
  // queues somewhere, so the full clusters queue too, and the queue terms say where the wait is
  // shortest. While one can start replicas they stay out: the excess goes there and makes it
  // start them. Classic strategies never read the queue term: for them full clusters stay out.
  if (ttft && strategy === 'switchyard' && queues && (eligibleCount === 0 || (loadedEligible && !startable))) {
    for (const row of rows) {
      if (!queueable(row)) continue;
      resetRow(row, row.c.staticDisqualifications, QUEUED_TIER, TIER_RANK.hot, row.stateAgeMs);
      eligible[eligibleCount++] = row;
      if (row.c.marginalPrice < cheapestMarginal) cheapestMarginal = row.c.marginalPrice;
    }
  }

  setLength(eligible, eligibleCount);

  // Utilisation of loaded capacity across the app's eligible clusters. With no
  // loaded slots anywhere we are about to start containers: price matters fully.
  const utilization = slots > 0 ? busy / slots : 0;
  let inputs: TtftInputs | null = null;
  let alternative = Infinity;
  if (eligible.length > 0 && ttft) {
    inputs = {
      table: termTable(compiled, policy),
      geo: req.client.location === null ? null : compiled.geoRttFrom(req.client.location),
      cheapestMarginal: cheapestMarginal === Infinity ? 0 : cheapestMarginal,
      policy,
      now,
    };
    let faults = false;
    for (const row of eligible) if (predictTtft(row, inputs, termMs)) faults = true;
    // Without replica faults nothing is charged, and explanations read the alternative only
    // for rows with faults (`explainScore`): no second pass.
    if (faults) alternative = chargeRetries(eligible, termMs, inputs);
  } else if (eligible.length > 0) {
    const costs = costTable(compiled, cheapest === Infinity ? 0 : cheapest, utilization, policy);
    const geo = req.client.location === null ? null : compiled.geoRttFrom(req.client.location);
    // One scratch result reused for every candidate: no allocation per candidate for the latency lookup.
    const latency: LatencyResult = { modifier: latencyModifier(null, policy), ms: null };
    for (const row of eligible) weigh(row, geo, policy, now, costs, latency);
  }

  let chosen: CandidateRow | null = null;
  let fallbacks: readonly CandidateRow[] = [];
  let outcome: DecisionOutcome = 'no-candidate';
  let reason: ReasonCode = 'no-candidate';

  if (eligible.length > 0) {
    chosen =
      strategy !== 'switchyard'
        ? pickByStrategy(strategy, eligible, req, ctx)
        : ttft
          ? pickTtft(eligible, scratch.pool, inputs as TtftInputs, ctx, compiled, req.client.colo)
          : pickInBestTier(eligible, ctx);
    fallbacks = rankFallbacks(eligible, chosen, policy.maxFallbacks, ttft);
    outcome = 'routed';
    reason =
      eligible.length === 1
        ? 'only-candidate'
        : strategy !== 'switchyard'
          ? 'strategy'
          : ttft
            ? 'fastest-predicted'
            : 'weighted-pick';
  } else if (policy.panic === 'least-bad') {
    const order = leastBadOrder(rows);
    // All full and otherwise fine: spread by expected queue wait, not all onto the first by id.
    const full = spreadOverQueues(order, policy.ttft.serviceMs);
    const first = full > 1 ? order[weightedIndex(order.map(probabilityOf), ctx.rng, full)] : order[0];
    if (first !== undefined) {
      chosen = first;
      if (full <= 1) first.probability = 1;
      fallbacks = order.filter((r) => r !== first).slice(0, policy.maxFallbacks);
      outcome = 'panic';
      reason = 'panic';
    }
  }

  // A live job pin overrides the pick unless a hard rule disqualifies its cluster (job-pin.ts).
  const pin = honourJobPin(req.jobKeyHash, snap.jobPins, rows, now);
  if (pin.row !== null) {
    [chosen, outcome, reason] = [pin.row, 'routed', 'pinned-job'];
    fallbacks = rankFallbacks(eligible, chosen, policy.maxFallbacks, ttft);
  }

  const frame = captureFrame(compiled.candidates, rows, !ttft && eligible.length > 0, inputs, alternative, now, reserveSource(compiled.failoverReserve));
  const scoredBetter = reason === 'fastest-predicted' && chosen !== null ? scoredBetterThan(eligible, chosen) : 0;
  const picked: Picked = { strategy, outcome, reason, chosen: chosen === null ? -1 : chosen.c.index, eligible: eligible.length, fallbacks: fallbacks.map(idOf), pin: pin.note, scoredBetter };
  return finish(req, snap, policy, ctx, frame, picked);
}

const idOf = (r: CandidateRow): string => r.c.id;

/** Eligible rows with a better (lower) score than the chosen one: the softmax draw need not take the best. */
function scoredBetterThan(eligible: readonly CandidateRow[], chosen: CandidateRow): number {
  let n = 0;
  for (const r of eligible) if (r.scoreMs < chosen.scoreMs) n++;
  return n;
}
const probabilityOf = (r: CandidateRow): number => r.probability;

/** A full cluster with loaded replicas (finite counts) and nothing else wrong: it may queue requests. */
function queueable(row: CandidateRow): boolean {
  const s = row.c.state;
  return row.c.hasLoaded && s !== null && Number.isFinite(s.queued) && Number.isFinite(s.hotBusy) && fullButFine(row);
}

/**
 * The ttft model's softmax pick over the landing pool, with the exp memo of this client's location
 * and the app's failover reserve (its own, else the policy's).
 */
function pickTtft(eligible: readonly CandidateRow[], pool: CandidateRow[], x: TtftInputs, ctx: DecideContext, compiled: CompiledSnapshot, colo: string | null): CandidateRow {
  return softmaxPick(landingPool(eligible, pool), x.policy, ctx.rng, originRates(compiled, colo), expMemoFor(x.table, x.geo), reserveSetting(compiled.failoverReserve, x.policy));
}

/**
 * The request's colo's inflow per candidate (share-of-room caps); null when the colo is unknown
 * or no candidate has inflow data (its column would be all NaN, which caps nothing either).
 */
function originRates(compiled: CompiledSnapshot, colo: string | null): Float64Array | null {
  return colo === null || !compiled.hasInflow ? null : compiled.inflowFrom(colo);
}

/** Base weight (capacity in its tier) × latency × cost × locality × staleness × static weight. */
function weigh(
  row: CandidateRow,
  geo: Float64Array | null,
  policy: Policy,
  now: number,
  costs: CostTable,
  latency: LatencyResult,
): void {
  const c = row.c;
  const state = c.state;
  if (state === null || row.tier === null) return;
  latencyFor(c, geo, now, policy, latency);
  const lat = latency.modifier;
  const cost = costFor(c, costs);
  const locality = localityModifier(state.lastServedAt, now, policy);
  const staleness = stalenessModifier(row.stateAgeMs ?? 0, policy);
  const stat = c.staticWeightModifier;
  const base = Math.max(0, capacityIn(state, row.tier));
  row.baseWeight = base;
  row.modifiers = [lat, cost, locality, staleness, stat];
  row.fullWeight =
    base * lat.factor * cost.factor * locality.factor * staleness.factor * stat.factor;
  row.estimatedLatencyMs = latency.ms ?? 0;
  row.hasEstimate = latency.ms !== null;
}

/**
 * Weighted random pick among the eligible candidates of the best tier present.
 * When every weight there is 0 (e.g. all canary weights 0, or state at the
 * stale floor of 0) the tier is still preferred and picked uniformly.
 */
function pickInBestTier(eligible: readonly CandidateRow[], ctx: DecideContext): CandidateRow {
  let best = NO_TIER_RANK;
  for (const r of eligible) if (r.tierRank < best) best = r.tierRank;
  const pool: CandidateRow[] = [];
  let total = 0;
  for (const r of eligible) {
    if (r.tierRank !== best) continue;
    pool.push(r);
    total += r.fullWeight;
  }
  const uniform = !(total > 0);
  const weights = new Array<number>(pool.length);
  for (let i = 0; i < pool.length; i++) {
    const r = pool[i] as CandidateRow;
    r.pickWeight = uniform ? 1 : r.fullWeight;
    r.probability = uniform ? 1 / pool.length : r.fullWeight / total;
    weights[i] = r.pickWeight;
  }
  return pool[weightedIndex(weights, ctx.rng)] ?? (pool[0] as CandidateRow);
}

/**
 * ttft model: the candidates a request may land on without starting a replica
 * when any has loaded replicas (free, or busy with a queue that drains) — a
 * loaded container almost always serves sooner than a start-up elsewhere —
 * else those of the best capacity tier present.
 */
function landingPool(eligible: readonly CandidateRow[], out: CandidateRow[]): CandidateRow[] {
  // One pass: a better rank restarts the list (eligible rows rank 0–2, below NO_TIER_RANK).
  let best = NO_TIER_RANK;
  let k = 0;
  for (const r of eligible) {
    const rank = r.c.hasLoaded ? 0 : r.tierRank;
    if (rank < best) {
      best = rank;
      k = 0;
    }
    if (rank === best) out[k++] = r;
  }
  setLength(out, k);
  return out;
}

/** A classic strategy over every eligible cluster (any tier): hard constraints already hold. */
function pickByStrategy(
  strategy: StrategyName,
  eligible: readonly CandidateRow[],
  req: RequestFacts,
  ctx: DecideContext,
): CandidateRow {
  const n = eligible.length;
  const ids = new Array<string>(n);
  const weights = new Array<number>(n);
  const byWeight = strategy === 'weighted' || strategy === 'consistent-hash';
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = eligible[i] as CandidateRow;
    ids[i] = r.c.id;
    weights[i] = byWeight ? r.c.staticWeight : 1;
    total += weights[i] ?? 0;
  }
  const state = ctx.strategyState ?? null;
  // The edge never sees a request finish, so it has no in-flight counters of its own: for a
  // target without one, the aggregators' busy + queued slots are the measure of outstanding work.
  const snapshotLoad = (i: number): number => {
    const s = eligible[i]?.c.state;
    return s === null || s === undefined ? 0 : s.hotBusy + s.queued;
  };
  const load =
    state === null
      ? snapshotLoad
      : (i: number): number => state.outstanding.get(ids[i] ?? '') ?? snapshotLoad(i);
  const index = chooseIndex(strategy, {
    ids,
    weights,
    rng: ctx.rng,
    key: req.affinityKey,
    state,
    load,
  });
  const chosen = eligible[index] ?? (eligible[0] as CandidateRow);
  for (let i = 0; i < n; i++) {
    const r = eligible[i] as CandidateRow;
    r.pickWeight = weights[i] ?? 0;
    // Only random and weighted picks have a meaningful probability; the others are deterministic given their state.
    if (strategy === 'random') r.probability = 1 / n;
    else if (strategy === 'weighted' && total > 0) r.probability = (weights[i] ?? 0) / total;
    else r.probability = r === chosen ? 1 : 0;
  }
  return chosen;
}

/**
 * Up to `max` other eligible candidates: better tier first, then higher weight,
 * then id; under the ttft model by lower score (predicted ms), then id.
 */
function rankFallbacks(
  eligible: readonly CandidateRow[],
  chosen: CandidateRow,
  max: number,
  ttft: boolean,
): CandidateRow[] {
  const limit = Math.min(max, eligible.length - 1);
  // A policy built in code may hold a fractional or infinite count: the scans handle every value.
  if (!Number.isInteger(limit)) return scanFallbacks(eligible, chosen, limit, ttft);
  const out: CandidateRow[] = [];
  if (limit <= 0) return out;
  // One pass keeping the best `limit` in order (ids are unique, so the order is total and this
  // is what repeated minimum scans give). A NaN weight or score makes the comparison partial:
  // then the scans, whose result depends on scan order, decide as they always did.
  for (const r of eligible) {
    if (r === chosen) continue;
    if (Number.isNaN(ttft ? r.scoreMs : r.fullWeight)) return scanFallbacks(eligible, chosen, limit, ttft);
    if (out.length === limit && !ahead(r, out[limit - 1] as CandidateRow, ttft)) continue;
    let k = out.length === limit ? limit - 1 : out.length;
    while (k > 0 && ahead(r, out[k - 1] as CandidateRow, ttft)) {
      out[k] = out[k - 1] as CandidateRow;
      k--;
    }
    out[k] = r;
  }
  return out;
}

const ahead = (a: CandidateRow, b: CandidateRow, ttft: boolean): boolean => (ttft ? faster(a, b) : better(a, b));

/** Selection by repeated scan (the order rankFallbacks reproduces in one pass when it is total). */
function scanFallbacks(eligible: readonly CandidateRow[], chosen: CandidateRow, limit: number, ttft: boolean): CandidateRow[] {
  const out: CandidateRow[] = [];
  while (out.length < limit) {
    let best: CandidateRow | null = null;
    for (const r of eligible) {
      if (r === chosen || out.includes(r)) continue;
      if (best === null || ahead(r, best, ttft)) best = r;
    }
    if (best === null) break;
    out.push(best);
  }
  return out;
}

function better(a: CandidateRow, b: CandidateRow): boolean {
  if (a.tierRank !== b.tierRank) return a.tierRank < b.tierRank;
  if (a.fullWeight !== b.fullWeight) return a.fullWeight > b.fullWeight;
  return a.c.id < b.c.id;
}

function faster(a: CandidateRow, b: CandidateRow): boolean {
  if (a.scoreMs !== b.scoreMs) return a.scoreMs < b.scoreMs;
  return a.c.id < b.c.id;
}
