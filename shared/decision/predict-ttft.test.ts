import { describe, expect, it } from 'vitest';
import { realisticSnapshot } from '../../bench/decision.ts';
import type { AppSnapshot, ClientLocation, OutcomeStats } from '../domain/types.ts';
import { resetRow, rowsOf } from './candidate-row.ts';
import { compileSnapshot } from './compile-snapshot.ts';
import { stateAgeOf } from './explain.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { explainedEstimateMs, explainScore, predictTtft, ttftTerms, type TtftInputs } from './predict-ttft.ts';
import { seededRng } from './rng.ts';
import { NOW } from './test-fixtures.ts';
import { termTable } from './ttft-memo.ts';
import { TERM_COUNT } from './ttft-term-slots.ts';
import { tierOf, tierRank } from './tiers.ts';
import type { TtftTerm } from './types.ts';

// The scoring path reads the terms' numbers from the memos (`predictTtft`); an explanation
// builds the term objects (`ttftTerms`, `explainScore`). A decision is only explainable if
// both give the same numbers, bit for bit, for every term and for the sums.

/**
 * Outcomes on most clusters, a third of them with replica faults, some too old to count; most
 * with an observed TTFB, about half of those seconds slow (the slowness term).
 */
function withOutcomes(snap: AppSnapshot): AppSnapshot {
  const rng = seededRng('outcomes');
  const ttfb = seededRng('ttfb');
  const outcomes = new Map<string, OutcomeStats>();
  for (const id of snap.app.clusters) {
    const roll = rng.next();
    if (roll < 0.2) continue;
    const requests = Math.floor(rng.next() * 400);
    const replicaErrors = roll < 0.55 ? Math.floor(rng.next() * requests * 0.6) : 0;
    const t = ttfb.next();
    const ttfbMs = t < 0.15 ? null : t < 0.55 ? 1000 + ttfb.next() * 2000 : 40 + ttfb.next() * 200;
    outcomes.set(id, { clusterId: id, requests, replicaErrors, ttfbMs, ttfbMinMs: ttfbMs === null ? null : ttfbMs * 0.8, observedAt: NOW - Math.floor(rng.next() * (roll < 0.3 ? 900_000 : 60_000)) });
  }
  return { ...snap, outcomes };
}

const FRA: ClientLocation = { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } };
const UNKNOWN: ClientLocation = { colo: null, country: null, continent: null, location: null };

describe('predictTtft scores with the numbers the explanation shows', () => {
  it.each([
    { client: FRA, now: NOW, cheapest: 0 },
    { client: FRA, now: NOW + 40_000, cheapest: 1.2 },
    { client: UNKNOWN, now: NOW + 7, cheapest: 0.4 },
  ])('client $client.colo, now +$now, cheapest $cheapest', ({ client, now, cheapest }) => {
    const snap = withOutcomes(realisticSnapshot(64, 3));
    const compiled = compileSnapshot(snap);
    const { rows, termMs } = rowsOf(compiled);
    const x: TtftInputs = {
      table: termTable(compiled, DEFAULT_POLICY),
      geo: client.location === null ? null : compiled.geoRttFrom(client.location),
      cheapestMarginal: cheapest,
      policy: DEFAULT_POLICY,
      now,
    };
    let scored = 0;
    let faulty = 0;
    let slow = 0;
    for (const row of rows) {
      const s = row.c.state;
      const tier = s === null ? null : tierOf(s);
      resetRow(row, [], tier, tierRank(tier), stateAgeOf(s, now));
      if (s === null || tier === null) continue;
      // Twice: the first call fills the memos, the second reads them.
      predictTtft(row, x, termMs);
      if (predictTtft(row, x, termMs)) faulty++;
      if (row.slownessMs > 0) slow++;
      const terms = new Array<TtftTerm>(TERM_COUNT);
      ttftTerms(row.c, s, row.stateAgeMs ?? 0, x, 0, terms);
      const at = row.c.index * TERM_COUNT;
      expect([...termMs.subarray(at, at + TERM_COUNT)]).toEqual(terms.map((t) => t.ms));
      const explained = explainScore(row.c, s, row.stateAgeMs ?? 0, x, Infinity);
      expect([row.estimatedLatencyMs, row.scoreMs]).toEqual([explained.estimatedLatencyMs, explained.scoreMs]);
      // The glance's number (no term objects built) is the explanation's, with and without a retry recharge.
      for (const alternative of [Infinity, 12.5, 400]) {
        expect(explainedEstimateMs(row.c, s, row.stateAgeMs ?? 0, x, alternative)).toBe(explainScore(row.c, s, row.stateAgeMs ?? 0, x, alternative).estimatedLatencyMs);
      }
      scored++;
    }
    expect(scored).toBeGreaterThan(40);
    expect(faulty).toBeGreaterThan(5);
    expect(slow).toBeGreaterThan(3);
  });
});
