import { describe, expect, it } from 'vitest';
import { realisticSnapshot } from '../../bench/decision.ts';
import type { AppSnapshot, ClientLocation } from '../domain/types.ts';
import { decide } from './decide.ts';
import { expSlot, memoExp, newExpMemo } from './exp-memo.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { seededRng } from './rng.ts';
import { NOW } from './test-fixtures.ts';

const CLIENTS: readonly ClientLocation[] = [
  { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } },
  { colo: 'IAD', country: 'US', continent: 'NA', location: { lat: 38.9, lon: -77.4 } },
  { colo: null, country: null, continent: null, location: null },
];

function decideJson(snap: AppSnapshot, client: ClientLocation, now: number, seed: string): string {
  const d = decide(
    { appId: snap.app.id, fn: 'v1/chat/completions', method: 'POST', client, affinityKey: null, synthetic: false },
    snap,
    DEFAULT_POLICY,
    { now, rng: seededRng(seed), seed, decisionId: seed, staleSnapshot: false },
  );
  return JSON.stringify(d);
}

describe('exp memo', () => {
  it('returns Math.exp bit for bit whatever the slot saw before', () => {
    const m = newExpMemo(2);
    const xs = [0, -0, -1.5, -1.5, -700, -1e-300, Number.NaN, -Infinity, -1.5, 0];
    for (const [k, x] of xs.entries()) {
      const slot = expSlot(k % 2, k % 4);
      expect(Object.is(memoExp(m, slot, x), Math.exp(x))).toBe(true);
      expect(Object.is(memoExp(m, slot, x), Math.exp(x))).toBe(true);
    }
  });

  // The memo lives per snapshot and client location: a decision must not depend on which
  // decisions (other times, other clients) ran on that snapshot before it.
  it.each([3, 40])('a capped decision is the same on a fresh snapshot and after 120 others (inflow from %i colos)', (colos) => {
    const warm = realisticSnapshot(64, colos);
    for (let i = 0; i < 120; i++) decideJson(warm, CLIENTS[i % 3] as ClientLocation, NOW + i * 97, `w${i}`);
    for (const [k, client] of CLIENTS.entries()) {
      const now = NOW + 5_000 + k * 300;
      const fresh = realisticSnapshot(64, colos);
      expect(decideJson(warm, client, now, `t${k}`)).toBe(decideJson(fresh, client, now, `t${k}`));
    }
  });
});
