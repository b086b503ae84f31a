import { describe, expect, it } from 'vitest';
import { seededRng } from './rng.ts';
import { weightedIndex } from './weighted-pick.ts';

const DRAWS = 100_000;
// With 100k draws the standard error of a frequency is ≤ 0.0016; 0.01 is > 6σ.
const TOLERANCE = 0.01;

function frequencies(weights: number[], seed: string): number[] {
  const rng = seededRng(seed);
  const counts = weights.map(() => 0);
  for (let i = 0; i < DRAWS; i++) {
    const k = weightedIndex(weights, rng);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts.map((c) => c / DRAWS);
}

describe('weightedIndex', () => {
  it.each<[string, number[], number[]]>([
    ['proportional to weight', [1, 2, 7], [0.1, 0.2, 0.7]],
    ['zero weights never drawn', [0, 3, 0, 1], [0, 0.75, 0, 0.25]],
    ['uniform when nothing is positive', [0, 0, 0, 0], [0.25, 0.25, 0.25, 0.25]],
    ['tiny weights still drawn', [1e-6, 1e-6], [0.5, 0.5]],
  ])(`%s (100k seeded draws, ±${TOLERANCE})`, (_name, weights, expected) => {
    const got = frequencies(weights, 'freq');
    got.forEach((f, i) => expect(Math.abs(f - (expected[i] ?? 0))).toBeLessThan(TOLERANCE));
    expected.forEach((e, i) => {
      if (e === 0) expect(got[i]).toBe(0);
    });
  });

  it('returns -1 for nothing and 0 for one', () => {
    expect(weightedIndex([], seededRng('x'))).toBe(-1);
    expect(weightedIndex([5], seededRng('x'))).toBe(0);
  });
});
