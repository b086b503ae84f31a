import { describe, expect, test } from 'vitest';
import { assignVersion, stickyBucket, type AssignInput } from './sticky-assignment.ts';
import type { RolloutView } from './types.ts';

const R: RolloutView = { id: 'ro_1', model: 'm', stable: 'v1', canary: 'v2', status: 'running', weightPct: 50, heldRegions: [] };
/** Keys with known buckets under ro_1. */
function keyWithBucket(lo: number, hi: number): string {
  for (let i = 0; ; i++) if (stickyBucket('ro_1', `k${i}`) >= lo && stickyBucket('ro_1', `k${i}`) < hi) return `k${i}`;
}
const low = keyWithBucket(0, 1000); // canary from 10 %
const mid = keyWithBucket(1000, 5000); // canary from 50 %
const high = keyWithBucket(5000, 10_000); // canary only at 100 %
const base: AssignInput = { rollout: R, sessionKey: null, random: 0.99, homeRegion: 'us-east', pinnedVersion: null };

describe('assignVersion', () => {
  test.each([
    ['not running: stable', { rollout: { ...R, status: 'rolled-back' as const } , sessionKey: low }, 'v1', 'stable'],
    ['promoted: the (new) stable', { rollout: { ...R, status: 'promoted' as const, stable: 'v2' } }, 'v2', 'stable'],
    ['paused keeps the weight', { rollout: { ...R, status: 'paused' as const }, sessionKey: low }, 'v2', 'sticky-hash'],
    ['low bucket at 10 %', { rollout: { ...R, weightPct: 10 }, sessionKey: low }, 'v2', 'sticky-hash'],
    ['mid bucket at 10 %', { rollout: { ...R, weightPct: 10 }, sessionKey: mid }, 'v1', 'sticky-hash'],
    ['mid bucket at 50 %', { sessionKey: mid }, 'v2', 'sticky-hash'],
    ['high bucket at 50 %', { sessionKey: high }, 'v1', 'sticky-hash'],
    ['high bucket at 100 %', { rollout: { ...R, weightPct: 100 }, sessionKey: high }, 'v2', 'sticky-hash'],
    ['weight 0: nobody', { rollout: { ...R, weightPct: 0 }, sessionKey: low }, 'v1', 'sticky-hash'],
    ['pinned to stable stays stable at 100 %', { rollout: { ...R, weightPct: 100 }, sessionKey: low, pinnedVersion: 'v1' }, 'v1', 'pinned-conversation'],
    ['pinned to canary stays canary', { rollout: { ...R, weightPct: 10 }, sessionKey: high, pinnedVersion: 'v2' }, 'v2', 'pinned-conversation'],
    ['pinned to canary after weight 0: stable', { rollout: { ...R, weightPct: 0 }, pinnedVersion: 'v2', sessionKey: high }, 'v1', 'sticky-hash'],
    ['held region: stable even at 100 %', { rollout: { ...R, weightPct: 100, heldRegions: ['eu-west'] }, homeRegion: 'eu-west' }, 'v1', 'held-region'],
    ['held region beats a canary pin', { rollout: { ...R, heldRegions: ['eu-west'] }, homeRegion: 'eu-west', pinnedVersion: 'v2' }, 'v1', 'held-region'],
    ['unknown region while held: stable', { rollout: { ...R, weightPct: 100, heldRegions: ['eu-west'] }, homeRegion: null }, 'v1', 'held-region'],
    ['other region while held: weighted', { rollout: { ...R, weightPct: 100, heldRegions: ['eu-west'] } }, 'v2', 'random'],
    ['keyless: random draw below weight', { random: 0.2 }, 'v2', 'random'],
    ['keyless: random draw above weight', { random: 0.7 }, 'v1', 'random'],
  ] as const)('%s', (_name, patch, version, reason) => {
    const choice = assignVersion({ ...base, ...(patch as Partial<AssignInput>) });
    expect([choice.version, choice.reason]).toEqual([version, reason]);
  });

  test('raising the weight only ever moves buckets to the canary', () => {
    for (let i = 0; i < 500; i++) {
      const key = `key-${i}`;
      const seq = [10, 50, 100].map((w) => assignVersion({ ...base, rollout: { ...R, weightPct: w }, sessionKey: key }).canary);
      expect(seq).toEqual([...seq].sort((a, b) => Number(a) - Number(b)));
    }
  });

  test('buckets spread evenly (10 % ± 2 of 5000 keys)', () => {
    const canary = Array.from({ length: 5000 }, (_, i) => stickyBucket('ro_x', `u${i}`) < 1000).filter(Boolean).length;
    expect(canary / 5000).toBeGreaterThan(0.08);
    expect(canary / 5000).toBeLessThan(0.12);
  });
});
