import type { StrategyName, Tier } from '../domain/types.ts';
import type { Disqualification } from './disqualification.ts';
import type { DecisionOutcome, ReasonCode } from './types.ts';

const MAX_LISTED = 4;

/** The chosen candidate as the summary names it. */
export interface SummaryChoice {
  readonly id: string;
  readonly tier: Tier | null;
  readonly probability: number;
  readonly disqualifications: readonly Disqualification[];
  /** A full cluster admitted to queue (no cluster the request may land on could start a replica). */
  readonly queues?: boolean;
  /** ttft model: eligible candidates that scored better than this one (the draw took a worse one). */
  readonly scoredBetter?: number;
}

function codesOf(disqualifications: readonly Disqualification[]): string {
  return [...new Set(disqualifications.map((d) => d.code))].join(', ');
}

function disqualifiedList(
  candidates: readonly { readonly id: string }[],
  disqualifications: readonly (readonly Disqualification[])[],
): string {
  const out: string[] = [];
  let count = 0;
  for (let i = 0; i < candidates.length; i++) {
    const d = disqualifications[i] ?? [];
    if (d.length === 0) continue;
    count++;
    if (out.length < MAX_LISTED) out.push(`${candidates[i]?.id ?? ''} (${codesOf(d)})`);
  }
  if (count === 0) return '';
  return `; disqualified ${count}: ${out.join(', ')}${count > out.length ? `, +${count - out.length} more` : ''}`;
}

/**
 * The reason as the summary words it. `fastest-predicted` names the ttft model's pick, a softmax
 * draw over each candidate's score (predicted time to first token plus its price and uncertainty
 * terms): when it drew a cluster another scored better than, "by fastest-predicted" read as a
 * claim that the chosen one was predicted fastest, so the summary says what happened.
 */
function howPicked(reason: ReasonCode, scoredBetter: number): string {
  if (reason !== 'fastest-predicted' || scoredBetter === 0) return reason;
  const others = scoredBetter === 1 ? '1 eligible cluster' : `${scoredBetter} eligible clusters`;
  return `a draw over predicted TTFT and price (${others} scored better)`;
}

/**
 * One line a human reads first: what was chosen, how, and what was ruled out.
 * `candidates[i]` was disqualified by `disqualifications[i]` (empty: eligible).
 */
export function summarize(
  outcome: DecisionOutcome,
  reason: ReasonCode,
  strategy: StrategyName,
  chosen: SummaryChoice | null,
  eligible: number,
  candidates: readonly { readonly id: string }[],
  disqualifications: readonly (readonly Disqualification[])[],
  staleSnapshot: boolean,
): string {
  const stale = staleSnapshot ? '; snapshot is stale (control-plane state not refreshed)' : '';
  const disq = disqualifiedList(candidates, disqualifications);
  if (chosen === null) {
    const what =
      candidates.length === 0
        ? 'app is deployed to no clusters'
        : `all ${candidates.length} candidates disqualified`;
    return `no candidate: ${what}${disq}${stale}`;
  }
  if (outcome === 'panic') {
    // Below 1: every least-bad candidate was full, and the pick was spread by expected queue wait.
    const spread = chosen.probability < 1 ? ` (p=${chosen.probability.toFixed(2)}, every one full: spread by expected queue wait)` : '';
    return `PANIC: every candidate failed health filters; routed to least-bad ${chosen.id}${spread} despite ${codesOf(chosen.disqualifications)}${disq}${stale}`;
  }
  const tier = chosen.tier ?? 'no tier';
  const how = strategy !== 'switchyard' ? `${strategy} strategy` : howPicked(reason, chosen.scoredBetter ?? 0);
  const queues = chosen.queues === true ? ', full: queues, no cluster it may land on can start a replica' : '';
  return `chose ${chosen.id} (${tier}, p=${chosen.probability.toFixed(2)}${queues}) by ${how}; ${eligible} of ${candidates.length} eligible${disq}${stale}`;
}
