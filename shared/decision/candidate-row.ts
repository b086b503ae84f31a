import type { Tier } from '../domain/types.ts';
import type { CompiledCandidate } from './compile-snapshot.ts';
import type { Disqualification } from './disqualification.ts';
import type { ModifierFactor, TtftTerm } from './types.ts';

/** Working record for one candidate during a decision (internal; becomes a CandidateExplanation). */
export interface CandidateRow {
  readonly c: CompiledCandidate;
  readonly disqualifications: readonly Disqualification[];
  readonly tier: Tier | null;
  /** TIER_RANK of `tier`, NO_TIER_RANK when none. */
  readonly tierRank: number;
  readonly stateAgeMs: number | null;
  baseWeight: number;
  modifiers: readonly ModifierFactor[];
  /** base × every factor, for every eligible candidate (ranks fallbacks across tiers). */
  fullWeight: number;
  /** Weight used for the pick (0 outside the picked tier / when disqualified). */
  pickWeight: number;
  probability: number;
  estimatedLatencyMs: number | null;
  /** ttft model: the score's terms (null under the weights model). */
  terms: readonly TtftTerm[] | null;
  /** ttft model: sum of `terms`, what the softmax ranks. */
  scoreMs: number;
}
