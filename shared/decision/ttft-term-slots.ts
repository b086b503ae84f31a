// Where each ttft term lives in a candidate's term list: the order of `terms` in an
// explanation, and the column of the per-candidate term scratch (`CandidateRows.termMs`).
//
// Adding a term: give it the next slot here (before the explanation's later terms only if the
// recorded order may change: replays compare explanations whole), raise TERM_COUNT, say in
// IN_PREDICTED whether its ms count towards the predicted TTFT (`estimatedLatencyMs`) or only
// towards the score, and compute it in `ttftTerms` and, as a number, in `predictTtft` (both in
// predict-ttft.ts; `predict-ttft.test.ts` checks they agree). Nothing else changes.

export const TERM = {
  network: 0,
  queue: 1,
  startup: 2,
  failureRisk: 3,
  price: 4,
  uncertainty: 5,
  // Last: explanations recorded before it existed keep their terms' order.
  slowness: 6,
} as const;

export const TERM_COUNT = 7;

/**
 * Per slot: true when the term is part of the predicted time to first token; false when it
 * only converts something else (price, stale-state risk) into ms of score. Summed in slot order.
 */
export const IN_PREDICTED: readonly boolean[] = [true, true, true, true, false, false, true];
