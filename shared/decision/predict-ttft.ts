import type { CandidateRow } from './candidate-row.ts';
import { localityModifier } from './modifiers.ts';
import { capacityIn } from './tiers.ts';
import { ageStep, failureRiskTerm } from './ttft-terms.ts';
import { networkFor, priceFor, queueFor, startupFor, uncertaintyFor } from './ttft-memo.ts';
import type { TermTable } from './ttft-memo.ts';
import type { Policy, TtftTerm } from './types.ts';

/**
 * Scores one eligible candidate under the ttft model: predicted time to first
 * token (network + queue + start-up + failure risk) plus price and
 * uncertainty converted to ms. Capacity where the request would land becomes
 * the base weight, and locality and the static (canary) weight stay
 * multiplicative modifiers, as under the weights model.
 */
export function predictTtft(
  row: CandidateRow,
  table: TermTable,
  geo: Float64Array | null,
  cheapestMarginal: number,
  policy: Policy,
  now: number,
): void {
  const c = row.c;
  const s = c.state;
  if (s === null || row.tier === null) return;
  const age = ageStep(row.stateAgeMs ?? 0);
  const network = networkFor(c, geo, now, policy);
  const queue = queueFor(table, c, s, age);
  const startup = startupFor(table, c, s);
  const failure = failureRiskTerm(c.outcomes, network.ms, now, policy.ttft);
  const price = priceFor(table, c, cheapestMarginal);
  const uncertainty = uncertaintyFor(table, c, age);
  const predicted = network.ms + queue.ms + startup.ms + failure.ms;
  row.terms = [network, queue, startup, failure, price, uncertainty];
  row.estimatedLatencyMs = predicted;
  row.scoreMs = predicted + price.ms + uncertainty.ms;
  row.baseWeight = Math.max(0, capacityIn(s, row.tier));
  row.modifiers = [localityModifier(s.lastServedAt, now, policy), c.staticWeightModifier];
}

/**
 * Second pass over the scored candidates: a failed attempt is retried on the
 * best candidate without replica faults, so each failing candidate's
 * failure-risk term also pays that candidate's predicted TTFT per failed
 * attempt (`failureRiskTerm`). Without a clean alternative the term stays as
 * scored. Only rows with replica faults change.
 */
export function chargeRetries(rows: readonly CandidateRow[], policy: Policy, now: number): void {
  let alternative = Infinity;
  for (const r of rows) {
    if (r.terms === null || (r.terms[3]?.ms ?? 0) > 0) continue;
    if (r.estimatedLatencyMs !== null && r.estimatedLatencyMs < alternative) alternative = r.estimatedLatencyMs;
  }
  if (alternative === Infinity) return;
  for (const r of rows) {
    const terms = r.terms;
    const old = terms?.[3];
    const network = terms?.[0];
    if (terms === null || old === undefined || network === undefined || !(old.ms > 0)) continue;
    const failure = failureRiskTerm(r.c.outcomes, network.ms, now, policy.ttft, alternative);
    const delta = failure.ms - old.ms;
    r.terms = [terms[0] as TtftTerm, terms[1] as TtftTerm, terms[2] as TtftTerm, failure, terms[4] as TtftTerm, terms[5] as TtftTerm];
    r.estimatedLatencyMs = (r.estimatedLatencyMs ?? 0) + delta;
    r.scoreMs += delta;
  }
}
