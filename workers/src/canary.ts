/**
 * The edge's policy-canary hook (shared/canary): inside the slice the candidate
 * policy's decision is served and the stable policy's decision is made too, from
 * the same snapshot and seed, for the log. Outside the slice: the stable decision only.
 */
import type { Decision, DecideContext, Policy } from '../../shared/decision/types.ts';
import type { AppSnapshot, RequestFacts } from '../../shared/domain/types.ts';
import { canaryNote, decide, inCanary, seededRng } from './shared-deps.ts';
import type { CanaryConfig, CanaryNote } from './shared-deps.ts';

export interface CanaryDecided {
  readonly decision: Decision;
  /** The policy that made `decision` (what `input_json` records, so replay reproduces it). */
  readonly policy: Policy;
  /** Both policies' choices, for requests in the slice; null outside it. */
  readonly note: CanaryNote | null;
}

/**
 * The request's session key: affinity header, else job key hash, else the client's identity
 * (salted hash, shared/rollout/client-key.ts), else the request itself (its seed).
 */
function sessionKey(facts: RequestFacts, seed: string): string {
  return facts.affinityKey ?? facts.jobKeyHash ?? facts.clientKey ?? seed;
}

export function decideWithCanary(
  facts: RequestFacts,
  snapshot: AppSnapshot,
  stable: Policy,
  canary: CanaryConfig | null,
  ctx: DecideContext,
): CanaryDecided {
  if (canary === null || !inCanary(facts.appId, sessionKey(facts, ctx.seed), canary.percent)) {
    return { decision: decide(facts, snapshot, stable, ctx), policy: stable, note: null };
  }
  // The shadow (stable) decision gets its own RNG from the same seed (each side is what it would be
  // alone, and replay re-runs it the same way) and must not advance a classic strategy's state: give it a copy.
  const s = ctx.strategyState;
  const shadowState = s === undefined ? undefined : { roundRobinCursor: s.roundRobinCursor, outstanding: new Map(s.outstanding) };
  const shadow = decide(facts, snapshot, stable, { ...ctx, rng: seededRng(ctx.seed), ...(shadowState === undefined ? {} : { strategyState: shadowState }) });
  const served = decide(facts, snapshot, canary.policy, ctx);
  return { decision: served, policy: canary.policy, note: canaryNote(canary, served, shadow, stable) };
}
