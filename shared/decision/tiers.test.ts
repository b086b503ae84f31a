import { describe, expect, it } from 'vitest';
import type { Tier } from '../domain/types.ts';
import { state } from './test-fixtures.ts';
import { NO_TIER_RANK, TIER_RANK, capacityIn, tierOf, tierRank } from './tiers.ts';

describe('tierOf / capacityIn', () => {
  it.each<[string, number, number, number, Tier | null, number]>([
    ['any hot slot is hot', 1, 100, 100, 'hot', 1],
    ['warm when no hot', 0, 3, 100, 'warm', 3],
    ['cold when only cold', 0, 0, 7, 'cold', 7],
    ['nothing', 0, 0, 0, null, 0],
    ['negative counts are nothing', -1, 0, 0, null, 0],
  ])('%s', (_name, hotFree, warm, cold, tier, capacity) => {
    const s = state('c', { hotFree, warm, cold });
    expect(tierOf(s)).toBe(tier);
    if (tier !== null) expect(capacityIn(s, tier)).toBe(capacity);
    expect(tierRank(tier)).toBe(tier === null ? NO_TIER_RANK : TIER_RANK[tier]);
  });
});
