import { describe, expect, it } from 'vitest';
import { capacityLearnt, capacityNow, REGROW_MS, replicaCapacity, replicaShareVerdict, type ReplicaVerdict } from './replica-share.ts';

describe('replicaShareVerdict', () => {
  // capacity, total held there, projects holding there, the caller's project holds there
  it.each<[string, [number, number, number, number], ReplicaVerdict]>([
    ['unknown capacity: always admitted', [0, 500, 1, 500], 'admit'],
    // Capacity 4: high-water 3 (one slot of headroom).
    ['below high-water: even a lone flood', [4, 2, 1, 2], 'admit'],
    ['a lone project at high-water is refused (the last slot is kept for the next project)', [4, 3, 1, 3], 'over-share'],
    ['a newcomer beside a lone flood gets in', [4, 3, 1, 0], 'admit'],
    ['the flood past high-water stays refused beside the newcomer', [4, 4, 2, 3], 'over-share'],
    ['the newcomer under its share (2 of 4) gets in even at capacity (the replica decides)', [4, 4, 2, 1], 'admit'],
    ['the newcomer at its share is refused', [4, 4, 2, 2], 'over-share'],
    ['as the flood ends, its held share shrinks toward 2', [4, 3, 2, 2], 'over-share'],
    // Capacity 2: high-water 1; a lone project still gets one slot, the other is kept.
    ['capacity 2: a lone project holds one', [2, 1, 1, 1], 'over-share'],
    ['capacity 2: the next project gets the other', [2, 1, 1, 0], 'admit'],
    // Capacity 1: nothing to share; the first request of a project gets in.
    ['capacity 1: a project holding none gets in', [1, 1, 1, 0], 'admit'],
    ['capacity 1: a project holding one does not', [1, 1, 1, 1], 'over-share'],
    // Capacity 40: high-water 36; half is the floor of a lone project's share.
    ['capacity 40: a lone project may hold 35', [40, 35, 1, 35], 'admit'],
    ['capacity 40: a lone project at 36 is refused', [40, 36, 1, 36], 'over-share'],
    ['capacity 40: four projects get 10 each', [40, 38, 4, 9], 'admit'],
    ['capacity 40: the 11th of one of four is refused', [40, 38, 4, 10], 'over-share'],
    ['capacity 40: a fifth project counts itself (8 each)', [40, 38, 4, 0], 'admit'],
  ])('%s', (_name, [capacity, total, projectsHolding, projectHolds], verdict) => {
    expect(replicaShareVerdict(capacity, total, projectsHolding, projectHolds)).toBe(verdict);
  });
});

describe('learnt capacity', () => {
  it.each<[number, number]>([
    [0, 0],
    [1, 0],
    [2, 1],
    [5, 4],
  ])('a 429 while holding %i teaches capacity %i', (held, capacity) => {
    expect(capacityLearnt(held)).toBe(capacity);
  });

  it.each<[number, number, number]>([
    [0, 10 * REGROW_MS, 0],
    [4, 0, 4],
    [4, REGROW_MS - 1, 4],
    [4, REGROW_MS, 5],
    [4, 10 * REGROW_MS, 14],
    [4, -5, 4],
  ])('capacity %i learnt %i ms ago is %i now', (learnt, since, now) => {
    expect(capacityNow(learnt, since)).toBe(now);
  });
});

describe('replicaCapacity', () => {
  // setting (PROXY_REPLICA_SLOTS), the aggregator's reported slots, the learnt capacity now
  it.each<[string, [number | 'learn' | 'off', number | null, number], number]>([
    ['learn, nothing reported or learnt: unknown', ['learn', null, 0], 0],
    ['learn, nothing reported: the learnt one', ['learn', null, 3], 3],
    ['learn, reported: known before any 429', ['learn', 4, 0], 4],
    ['learn, a 429 taught less than reported: the lower (other proxies hold slots too)', ['learn', 4, 2], 2],
    ['learn, the learnt one grew back past the report: the report', ['learn', 4, 9], 4],
    ['a number, nothing reported: the number', [8, null, 0], 8],
    ['a number, reported: the replica\'s own report', [8, 4, 0], 4],
    ['a number ignores learning', [8, null, 3], 8],
    ['off: no rule, whatever is reported', ['off', 4, 3], 0],
  ])('%s', (_name, [setting, reported, learnt], capacity) => {
    expect(replicaCapacity(setting, reported, learnt)).toBe(capacity);
  });
});
