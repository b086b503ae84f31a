import type { ClusterAppState, OutcomeStats } from '../domain/types.ts';
import type { CandidateRow } from './candidate-row.ts';
import type { CompiledCandidate } from './compile-snapshot.ts';
import { localityFactor } from './modifiers.ts';
import { landingCapacity } from './tiers.ts';
import { IN_PREDICTED, TERM, TERM_COUNT } from './ttft-term-slots.ts';
import { ageStep, failureRiskMs, failureRiskTerm, slownessMs, slownessTerm } from './ttft-terms.ts';
import { networkFor, networkMsFor, priceFor, priceMsFor, queueFor, queueMsFor, startupFor, startupMsFor, uncertaintyFor, uncertaintyMsFor } from './ttft-memo.ts';
import type { TermTable } from './ttft-memo.ts';
import type { Policy, TtftTerm } from './types.ts';

/** What every candidate's terms of one decision share (kept with the decision to explain it later). */
export interface TtftInputs {
  readonly table: TermTable;
  /** Modelled RTTs from the client (null: client location unknown). */
  readonly geo: Float64Array | null;
  /** Cheapest marginal price among the eligible candidates ($/GPU-hour). */
  readonly cheapestMarginal: number;
  readonly policy: Policy;
  readonly now: number;
}

/**
 * Every term of one candidate, written into `out` at its TERM slot (`ttft-term-slots.ts`).
 * Terms are memoised objects (`ttft-memo.ts`), so a memo hit allocates nothing. The one
 * function both scoring and explaining call, so an explanation cannot drift from the score.
 * `retryElsewhereMs`: see `failureRiskTerm` (0 on the first pass, `chargeRetries`' after).
 */
export function ttftTerms(
  c: CompiledCandidate,
  s: ClusterAppState,
  stateAgeMs: number,
  x: TtftInputs,
  retryElsewhereMs: number,
  out: TtftTerm[],
): void {
  const age = ageStep(stateAgeMs);
  const network = networkFor(c, x);
  out[TERM.network] = network;
  out[TERM.queue] = queueFor(x.table, c, s, age);
  out[TERM.startup] = startupFor(x.table, c, s);
  const o = c.outcomes;
  // Without outcomes the term is a constant: pass no doubles (each would be boxed on the call).
  out[TERM.failureRisk] =
    o === null ? failureRiskTerm(null, 0, 0, x.policy.ttft) : failureRiskTerm(o, network.ms, x.now, x.policy.ttft, retryElsewhereMs);
  out[TERM.price] = priceFor(x.table, c, x.cheapestMarginal);
  out[TERM.uncertainty] = uncertaintyFor(x.table, c, age);
  out[TERM.slowness] = slownessTerm(c, x.now, x.policy.ttft);
}

/**
 * Scores one eligible candidate under the ttft model: predicted time to first
 * token (the IN_PREDICTED terms: network + queue + start-up + failure risk) plus
 * price and uncertainty converted to ms. Capacity where the request would land
 * becomes the base weight, and locality and the static (canary) weight stay
 * multiplicative modifiers, as under the weights model. Term values go to
 * `termMs` (TERM_COUNT per candidate).
 *
 * The numbers of `ttftTerms`' terms, read from the memos' ms arrays (`*MsFor`, `failureRiskMs`)
 * without building or fetching a term object: this runs for every eligible candidate of every
 * decision, the explanation only when one is read. Summed as `explainScore` sums (slot order,
 * the IN_PREDICTED terms first), written out: `predict-ttft.test.ts` checks both agree.
 * Returns whether the row has replica faults (a positive failure-risk term; see `chargeRetries`).
 */
export function predictTtft(row: CandidateRow, x: TtftInputs, termMs: Float64Array): boolean {
  const c = row.c;
  const s = c.state;
  if (s === null || row.tier === null) return false;
  const t = x.table;
  const age = ageStep(row.stateAgeMs ?? 0);
  const network = networkMsFor(c, x);
  const o = c.outcomes;
  const at = c.index * TERM_COUNT;
  const queue = queueMsFor(t, c, s, age);
  const startup = startupMsFor(t, c, s);
  const failure = o === null ? 0 : failureRiskMs(o, network, x.now, x.policy.ttft, 0);
  const price = priceMsFor(t, c, x.cheapestMarginal);
  const uncertainty = uncertaintyMsFor(t, c, age);
  const slowness = o === null ? 0 : slownessMs(c, x.now, x.policy.ttft);
  termMs[at + TERM.network] = network;
  termMs[at + TERM.queue] = queue;
  termMs[at + TERM.startup] = startup;
  termMs[at + TERM.failureRisk] = failure;
  termMs[at + TERM.price] = price;
  termMs[at + TERM.uncertainty] = uncertainty;
  termMs[at + TERM.slowness] = slowness;
  // From 0 and one term at a time, as the slot-order loops of explainScore add them.
  let predicted = 0;
  predicted += network;
  predicted += queue;
  predicted += startup;
  predicted += failure;
  predicted += slowness;
  let score = predicted;
  score += price;
  score += uncertainty;
  row.scored = true;
  row.estimatedLatencyMs = predicted;
  row.hasEstimate = true;
  row.scoreMs = score;
  row.networkMs = network;
  row.queueMs = queue;
  row.failureMs = failure;
  row.slownessMs = slowness;
  row.baseWeight = landingCapacity(s, row.tier);
  row.localityFactor = localityFactor(s.lastServedAt, x.now, x.policy);
  return failure > 0;
}

/**
 * Second pass over the scored candidates: a failed attempt is retried on the
 * best candidate without replica faults, so each failing candidate's
 * failure-risk term also pays that candidate's predicted TTFT per failed
 * attempt (`failureRiskTerm`). Without a clean alternative the term stays as
 * scored. Only rows with replica faults change. Returns that alternative's
 * predicted ms (Infinity when none: nothing was charged).
 */
export function chargeRetries(rows: readonly CandidateRow[], termMs: Float64Array, x: TtftInputs): number {
  let alternative = Infinity;
  for (const r of rows) {
    if (!r.scored || (termMs[r.c.index * TERM_COUNT + TERM.failureRisk] ?? 0) > 0) continue;
    if (r.estimatedLatencyMs < alternative) alternative = r.estimatedLatencyMs;
  }
  if (alternative === Infinity) return alternative;
  for (const r of rows) {
    const at = r.c.index * TERM_COUNT;
    const old = termMs[at + TERM.failureRisk] ?? 0;
    if (!r.scored || !(old > 0)) continue;
    // A row with a positive failure term has outcomes.
    const failure = failureRiskMs(r.c.outcomes as OutcomeStats, termMs[at + TERM.network] ?? 0, x.now, x.policy.ttft, alternative);
    const delta = failure - old;
    termMs[at + TERM.failureRisk] = failure;
    r.failureMs = failure;
    r.estimatedLatencyMs += delta;
    r.scoreMs += delta;
  }
  return alternative;
}

/** A scored candidate's terms, predicted TTFT and score, as its explanation shows them. */
export interface ExplainedScore {
  readonly terms: TtftTerm[];
  readonly estimatedLatencyMs: number;
  readonly scoreMs: number;
}

/**
 * The term objects of a scored candidate for its explanation, and its `estimatedLatencyMs` and
 * `scoreMs` rebuilt from them: the same `ttftTerms`, summed in slot order as `predictTtft`
 * summed, then the failure-risk term recharged and its change added exactly as
 * `chargeRetries` did (`alternative` = what it returned). So a frame need not keep the sums.
 */
export function explainScore(
  c: CompiledCandidate,
  s: ClusterAppState,
  stateAgeMs: number,
  x: TtftInputs,
  alternative: number,
): ExplainedScore {
  const out = new Array<TtftTerm>(TERM_COUNT);
  ttftTerms(c, s, stateAgeMs, x, 0, out);
  let predicted = 0;
  for (let k = 0; k < TERM_COUNT; k++) if (IN_PREDICTED[k] === true) predicted += (out[k] as TtftTerm).ms;
  let score = predicted;
  for (let k = 0; k < TERM_COUNT; k++) if (IN_PREDICTED[k] !== true) score += (out[k] as TtftTerm).ms;
  const failure = out[TERM.failureRisk] as TtftTerm;
  const network = out[TERM.network] as TtftTerm;
  if (alternative !== Infinity && failure.ms > 0) {
    const recharged = failureRiskTerm(c.outcomes, network.ms, x.now, x.policy.ttft, alternative);
    out[TERM.failureRisk] = recharged;
    const delta = recharged.ms - failure.ms;
    predicted += delta;
    score += delta;
  }
  return { terms: out, estimatedLatencyMs: predicted, scoreMs: score };
}

/**
 * `explainScore(…).estimatedLatencyMs` without building any term object: the same numbers from the
 * memos' ms arrays, added in the same order as `predictTtft` (and so as `explainScore`), then the
 * failure-risk term recharged as `chargeRetries` did. A decision's glance (what a replay reads
 * per record) needs only this number of its chosen candidate; building the terms formatted six
 * detail strings for it.
 */
export function explainedEstimateMs(
  c: CompiledCandidate,
  s: ClusterAppState,
  stateAgeMs: number,
  x: TtftInputs,
  alternative: number,
): number {
  const t = x.table;
  const age = ageStep(stateAgeMs);
  const network = networkMsFor(c, x);
  const o = c.outcomes;
  const failure = o === null ? 0 : failureRiskMs(o, network, x.now, x.policy.ttft, 0);
  let predicted = 0;
  predicted += network;
  predicted += queueMsFor(t, c, s, age);
  predicted += startupMsFor(t, c, s);
  predicted += failure;
  if (o !== null) predicted += slownessMs(c, x.now, x.policy.ttft);
  if (alternative !== Infinity && failure > 0) predicted += failureRiskMs(o as OutcomeStats, network, x.now, x.policy.ttft, alternative) - failure;
  return predicted;
}
