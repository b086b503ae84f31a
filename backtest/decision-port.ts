/**
 * The one place backtest imports the decision pipeline from, so replay and the
 * simulator are guaranteed to run the same code the Worker runs.
 */
export { decide } from '../shared/decision/decide.ts';
export { type ChosenBrief, chosenBriefOf, decideChosen } from '../shared/decision/chosen-brief.ts';
export { withNotesOf } from '../shared/decision/decision-notes.ts';
export { glanceAt } from '../shared/decision/lazy-decision.ts';
export { DEFAULT_POLICY, parsePolicy } from '../shared/decision/policy.ts';
export { unknownRouteVariable } from '../shared/decision/unknown-policy-variable.ts';
export { CANARY_VARIABLES } from '../shared/canary/canary.ts';
export { seededRng } from '../shared/decision/rng.ts';
export { newStrategyState } from '../shared/decision/strategy-state.ts';
