// Public API of the decision core. Callers import from here, not from individual files.
export type * from './types.ts';
export { decide } from './decide.ts';
export { annotateDecision, glanceAt } from './lazy-decision.ts';
export type { DecisionGlance } from './lazy-decision.ts';
export { compileSnapshot, isCompiled } from './compile-snapshot.ts';
export { primeSnapshot } from './prime-snapshot.ts';
export { DEFAULT_POLICY, POLICY_VARIABLES, parsePolicy, resolveStrategy } from './policy.ts';
export type { PolicyVariable } from './policy.ts';
export { pickTarget, newStrategyState } from './pick-target.ts';
export type { PickTargetOptions } from './pick-target.ts';
export { seededRng } from './rng.ts';
export { isHealthCode } from './disqualification.ts';
export { rendezvousIndex } from './consistent-hash.ts';
export { TIER_RANK, tierOf } from './tiers.ts';
