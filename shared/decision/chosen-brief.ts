/**
 * What a replay totals of a re-run decision — the chosen cluster, the outcome and the chosen
 * row's estimate and price — straight from decide()'s frame and pick, without the Decision
 * object: its 14 head fields, its two accessor definitions (~0.2 µs, a runtime call each) and
 * the glance over it were a tenth of decide()'s cost per replayed record. The numbers are the
 * Decision's and its glance's (`glanceAt`), by the same functions.
 */
import type { AppSnapshot, RequestFacts } from '../domain/types.ts';
import { decideWith } from './decide.ts';
import type { DecisionFrame } from './explain.ts';
import { chosenEstimateAt, chosenId, chosenPriceAt, glanceAt, indexOfId, type Picked } from './lazy-decision.ts';
import type { DecideContext, Decision, DecisionOutcome, Policy } from './types.ts';

export interface ChosenBrief {
  readonly chosen: string | null;
  readonly outcome: DecisionOutcome;
  /** As `glanceAt(decision).chosenEstimatedLatencyMs`. */
  readonly chosenEstimatedLatencyMs: number | null;
  /** As `glanceAt(decision).chosenPricePerHour`. */
  readonly chosenPricePerHour: number | null;
}

/** decide()'s chosen cluster and numbers, as `chosenBriefOf(decide(…))` gives them, without the Decision. */
export function decideChosen(req: RequestFacts, snap: AppSnapshot, policy: Policy, ctx: DecideContext): ChosenBrief {
  return decideWith(req, snap, policy, ctx, briefOfPick);
}

/** The brief of a whole Decision (a replay that verifies builds the Decision anyway). */
export function chosenBriefOf(d: Decision): ChosenBrief {
  const g = glanceAt(d);
  return { chosen: d.chosen, outcome: d.outcome, chosenEstimatedLatencyMs: g.chosenEstimatedLatencyMs, chosenPricePerHour: g.chosenPricePerHour };
}

function briefOfPick(_req: RequestFacts, _snap: AppSnapshot, _policy: Policy, _ctx: DecideContext, frame: DecisionFrame, p: Picked): ChosenBrief {
  const chosen = chosenId(frame, p);
  // By id, as the glance finds it: the first row with that id.
  const i = indexOfId(frame, chosen);
  return { chosen, outcome: p.outcome, chosenEstimatedLatencyMs: chosenEstimateAt(frame, i), chosenPricePerHour: chosenPriceAt(frame, i) };
}
