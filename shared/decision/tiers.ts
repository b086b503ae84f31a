import type { ClusterAppState, Tier } from '../domain/types.ts';

/** Lower is better; 3 means "no tier". */
export const TIER_RANK: Readonly<Record<Tier, number>> = { hot: 0, warm: 1, cold: 2 };
export const NO_TIER_RANK = 3;

/**
 * The best tier `s` can offer. Any hot slot beats any amount of warm or cold:
 * a loaded container almost always serves sooner than a start elsewhere.
 */
export function tierOf(s: ClusterAppState): Tier | null {
  if (s.hotFree > 0) return 'hot';
  if (s.warm > 0) return 'warm';
  if (s.cold > 0) return 'cold';
  return null;
}

/** TIER_RANK of `tier` (NO_TIER_RANK for null) without a keyed lookup on the hot path. */
export function tierRank(tier: Tier | null): number {
  return tier === 'hot' ? 0 : tier === 'warm' ? 1 : tier === 'cold' ? 2 : NO_TIER_RANK;
}

/** Slots `s` offers in `tier`: the base weight before modifiers. */
export function capacityIn(s: ClusterAppState, tier: Tier): number {
  return tier === 'hot' ? s.hotFree : tier === 'warm' ? s.warm : s.cold;
}

/**
 * The tier of a full cluster admitted as a candidate (ttft, when no eligible cluster can start a
 * replica: `decide.ts`): the request waits in its queue for a loaded replica's slot, and the
 * queue term says how long.
 */
export const QUEUED_TIER: Tier = 'hot';

/** Base weight of a full cluster's queue: one slot, taken as its loaded replicas free one. */
export const QUEUE_SLOT_WEIGHT = 1;

/** The tier an eligible row lands in: the state's best, else (full, it queues) QUEUED_TIER. */
export function landingTier(s: ClusterAppState): Tier {
  return tierOf(s) ?? QUEUED_TIER;
}

/** An eligible row's base weight: its slots in `tier`, or one slot for a full cluster's queue. */
export function landingCapacity(s: ClusterAppState, tier: Tier): number {
  return Math.max(0, capacityIn(s, tier)) || QUEUE_SLOT_WEIGHT;
}
