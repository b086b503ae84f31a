import type { StrategyName } from '../domain/types.ts';
import type { CandidateRow } from './candidate-row.ts';
import type { DecisionOutcome, ReasonCode } from './types.ts';

const MAX_LISTED = 4;

function disqualifiedList(rows: readonly CandidateRow[]): string {
  const out: string[] = [];
  let count = 0;
  for (const r of rows) {
    if (r.disqualifications.length === 0) continue;
    count++;
    if (out.length < MAX_LISTED)
      out.push(`${r.c.id} (${[...new Set(r.disqualifications.map((d) => d.code))].join(', ')})`);
  }
  if (count === 0) return '';
  return `; disqualified ${count}: ${out.join(', ')}${count > out.length ? `, +${count - out.length} more` : ''}`;
}

/** One line a human reads first: what was chosen, how, and what was ruled out. */
export function summarize(
  outcome: DecisionOutcome,
  reason: ReasonCode,
  strategy: StrategyName,
  chosen: CandidateRow | null,
  eligible: number,
  rows: readonly CandidateRow[],
  staleSnapshot: boolean,
): string {
  const stale = staleSnapshot ? '; snapshot is stale (control-plane state not refreshed)' : '';
  const disq = disqualifiedList(rows);
  if (chosen === null) {
    const what =
      rows.length === 0
        ? 'app is deployed to no clusters'
        : `all ${rows.length} candidates disqualified`;
    return `no candidate: ${what}${disq}${stale}`;
  }
  if (outcome === 'panic') {
    const codes = [...new Set(chosen.disqualifications.map((d) => d.code))].join(', ');
    return `PANIC: every candidate failed health filters; routed to least-bad ${chosen.c.id} despite ${codes}${disq}${stale}`;
  }
  const tier = chosen.tier ?? 'no tier';
  const how = strategy === 'switchyard' ? reason : `${strategy} strategy`;
  return `chose ${chosen.c.id} (${tier}, p=${chosen.probability.toFixed(2)}) by ${how}; ${eligible} of ${rows.length} eligible${disq}${stale}`;
}
