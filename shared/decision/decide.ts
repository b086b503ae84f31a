import type { AppSnapshot, RequestFacts, StrategyName } from '../domain/types.ts';
import type { CandidateRow } from './candidate-row.ts';
import { chooseIndex } from './classic-strategies.ts';
import { compileSnapshot } from './compile-snapshot.ts';
import { hardFilters } from './hard-filters.ts';
import { honourJobPin, type JobPinNote } from './job-pin.ts';
import { costFor, costTable, latencyFor } from './modifier-memo.ts';
import type { CostTable, LatencyResult } from './modifier-memo.ts';
import { latencyModifier, localityModifier, stalenessModifier } from './modifiers.ts';
import { leastBadOrder } from './panic.ts';
import { chargeRetries, predictTtft } from './predict-ttft.ts';
import { termTable } from './ttft-memo.ts';
import { marginalPrice } from './ttft-terms.ts';
import { softmaxPick } from './softmax-pick.ts';
import { resolveStrategy } from './policy.ts';
import { summarize } from './summary.ts';
import { NO_TIER_RANK, capacityIn, tierOf, tierRank } from './tiers.ts';
import type {
  CandidateExplanation,
  DecideContext,
  Decision,
  DecisionOutcome,
  ModifierFactor,
  Policy,
  ReasonCode,
} from './types.ts';
import { weightedIndex } from './weighted-pick.ts';

const NO_MODIFIERS: readonly ModifierFactor[] = Object.freeze([]);

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
 */
export function decide(
  req: RequestFacts,
  snap: AppSnapshot,
  policy: Policy,
  ctx: DecideContext,
): Decision {
  const now = ctx.now;
  const compiled = compileSnapshot(snap);
  const candidates = compiled.candidates;
  const rows: CandidateRow[] = new Array<CandidateRow>(candidates.length);
  const eligible: CandidateRow[] = [];
  let busy = 0;
  let slots = 0;
  let cheapest = Infinity;
  let cheapestMarginal = Infinity;

  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i] as (typeof candidates)[number];
    const disqualifications = hardFilters(c, req.client, policy, now);
    const state = c.state;
    const tier = disqualifications.length === 0 && state !== null ? tierOf(state) : null;
    const row: CandidateRow = {
      c,
      disqualifications,
      tier,
      tierRank: tierRank(tier),
      stateAgeMs: state === null ? null : Math.max(0, now - state.observedAt),
      baseWeight: 0,
      modifiers: NO_MODIFIERS,
      fullWeight: 0,
      pickWeight: 0,
      probability: 0,
      estimatedLatencyMs: null,
      terms: null,
      scoreMs: 0,
    };
    rows[i] = row;
    if (tier !== null && state !== null) {
      eligible.push(row);
      busy += Math.max(0, state.hotBusy);
      slots += Math.max(0, state.hotBusy) + Math.max(0, state.hotFree);
      if (state.pricePerHour > 0 && state.pricePerHour < cheapest) cheapest = state.pricePerHour;
      const marginal = marginalPrice(state.pricePerHour, state);
      if (marginal < cheapestMarginal) cheapestMarginal = marginal;
    }
  }

  // Utilisation of loaded capacity across the app's eligible clusters. With no
  // loaded slots anywhere we are about to start containers: price matters fully.
  const utilization = slots > 0 ? busy / slots : 0;
  const ttft = policy.model === 'ttft';
  if (eligible.length > 0 && ttft) {
    const geo = req.client.location === null ? null : compiled.geoRttFrom(req.client.location);
    const low = cheapestMarginal === Infinity ? 0 : cheapestMarginal;
    const table = termTable(compiled, policy);
    for (const row of eligible) predictTtft(row, table, geo, low, policy, now);
    chargeRetries(eligible, policy, now);
  } else if (eligible.length > 0) {
    const costs = costTable(compiled, cheapest === Infinity ? 0 : cheapest, utilization, policy);
    const geo = req.client.location === null ? null : compiled.geoRttFrom(req.client.location);
    // One scratch result reused for every candidate: no allocation per candidate for the latency lookup.
    const latency: LatencyResult = { modifier: latencyModifier(null, policy), ms: null };
    for (const row of eligible) weigh(row, geo, policy, now, costs, latency);
  }

  const strategy: StrategyName = resolveStrategy(snap.app.strategy, policy);
  let chosen: CandidateRow | null = null;
  let fallbacks: readonly CandidateRow[] = [];
  let outcome: DecisionOutcome = 'no-candidate';
  let reason: ReasonCode = 'no-candidate';

  if (eligible.length > 0) {
    chosen =
      strategy !== 'switchyard'
        ? pickByStrategy(strategy, eligible, req, ctx)
        : ttft
          ? softmaxPick(landingPool(eligible), policy, ctx.rng)
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
    const first = order[0];
    if (first !== undefined) {
      chosen = first;
      first.probability = 1;
      fallbacks = order.slice(1, 1 + policy.maxFallbacks);
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

  if (ctx.lean === true) return leanDecision(req, snap, policy, ctx, { strategy, outcome, reason, chosen, fallbacks, pin: pin.note });
  const explanations: CandidateExplanation[] = new Array<CandidateExplanation>(rows.length);
  for (let i = 0; i < rows.length; i++) explanations[i] = explain(rows[i] as CandidateRow);

  return {
    id: ctx.decisionId,
    at: now,
    appId: snap.app.id,
    fn: req.fn,
    strategy,
    outcome,
    chosen: chosen === null ? null : chosen.c.id,
    fallbacks: fallbacks.map((r) => r.c.id),
    reason,
    tier: chosen === null ? null : chosen.tier,
    stale: ctx.staleSnapshot,
    synthetic: req.synthetic,
    policyVersion: policy.version,
    seed: ctx.seed,
    candidates: explanations,
    summary: summarize(outcome, reason, strategy, chosen, eligible.length, rows, ctx.staleSnapshot) + (pin.note === null ? '' : `; ${pin.note.detail}`),
    ...(pin.note === null ? {} : { jobPin: pin.note }),
  };
}

interface Picked {
  readonly strategy: StrategyName;
  readonly outcome: DecisionOutcome;
  readonly reason: ReasonCode;
  readonly chosen: CandidateRow | null;
  readonly fallbacks: readonly CandidateRow[];
  readonly pin: JobPinNote | null;
}

/** `ctx.lean`: the same decision with only the chosen candidate explained and no summary (bulk replays). */
function leanDecision(req: RequestFacts, snap: AppSnapshot, policy: Policy, ctx: DecideContext, p: Picked): Decision {
  return {
    id: ctx.decisionId,
    at: ctx.now,
    appId: snap.app.id,
    fn: req.fn,
    strategy: p.strategy,
    outcome: p.outcome,
    chosen: p.chosen === null ? null : p.chosen.c.id,
    fallbacks: p.fallbacks.map((r) => r.c.id),
    reason: p.reason,
    tier: p.chosen === null ? null : p.chosen.tier,
    stale: ctx.staleSnapshot,
    synthetic: req.synthetic,
    policyVersion: policy.version,
    seed: ctx.seed,
    candidates: p.chosen === null ? [] : [explain(p.chosen)],
    summary: '',
    ...(p.pin === null ? {} : { jobPin: p.pin }),
  };
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
  row.estimatedLatencyMs = latency.ms;
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
function landingPool(eligible: readonly CandidateRow[]): CandidateRow[] {
  let best = NO_TIER_RANK;
  for (const r of eligible) {
    const rank = landingRank(r);
    if (rank < best) best = rank;
  }
  return eligible.filter((r) => landingRank(r) === best);
}

function landingRank(r: CandidateRow): number {
  const s = r.c.state;
  return s !== null && s.hotBusy + s.hotFree > 0 ? 0 : r.tierRank;
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
  // Selection of the top few by repeated scan: cheaper than sorting 64+ rows for 3 results.
  const out: CandidateRow[] = [];
  const limit = Math.min(max, eligible.length - 1);
  while (out.length < limit) {
    let best: CandidateRow | null = null;
    for (const r of eligible) {
      if (r === chosen || out.includes(r)) continue;
      if (best === null || (ttft ? faster(r, best) : better(r, best))) best = r;
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

function explain(r: CandidateRow): CandidateExplanation {
  const cluster = r.c.cluster;
  const state = r.c.state;
  const region = cluster === null ? null : cluster.region;
  const provider = cluster === null ? null : cluster.provider;
  const pricePerHour = state === null ? null : state.pricePerHour;
  // The weights model has no terms: its explanations keep their old shape (replays compare them whole).
  // One object literal per shape, same key order as before: a `{ ...base, terms }` spread of a
  // 12-field object was over half of a 64-candidate decision's time (profiled).
  if (r.terms === null)
    return {
      clusterId: r.c.id,
      region,
      provider,
      disqualifications: r.disqualifications,
      tier: r.tier,
      baseWeight: r.baseWeight,
      modifiers: r.modifiers,
      weight: r.pickWeight,
      probability: r.probability,
      estimatedLatencyMs: r.estimatedLatencyMs,
      pricePerHour,
      stateAgeMs: r.stateAgeMs,
    };
  return {
    clusterId: r.c.id,
    region,
    provider,
    disqualifications: r.disqualifications,
    tier: r.tier,
    baseWeight: r.baseWeight,
    modifiers: r.modifiers,
    weight: r.pickWeight,
    probability: r.probability,
    estimatedLatencyMs: r.estimatedLatencyMs,
    pricePerHour,
    stateAgeMs: r.stateAgeMs,
    terms: r.terms,
    scoreMs: r.scoreMs,
  };
}
