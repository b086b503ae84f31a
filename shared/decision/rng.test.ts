import { describe, expect, it } from 'vitest';
import { seededRng } from './rng.ts';

function draw(seed: string, n: number): number[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => rng.next());
}

describe('seededRng', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draw('decision-42', 100)).toEqual(draw('decision-42', 100));
  });

  it('gives different sequences for different seeds, even one character apart', () => {
    expect(draw('decision-42', 10)).not.toEqual(draw('decision-43', 10));
    expect(draw('', 10)).not.toEqual(draw(' ', 10));
  });

  it('pins the first values so a change of algorithm (which breaks replays) is noticed', () => {
    const first = draw('switchyard', 3).map((x) => Math.round(x * 1e9));
    expect(first).toMatchInlineSnapshot(`
      [
        307943400,
        748232259,
        199495977,
      ]
    `);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const xs = draw('uniform', 100_000);
    const buckets = new Array<number>(10).fill(0);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    for (const x of xs) {
      const i = Math.floor(x * 10);
      buckets[i] = (buckets[i] ?? 0) + 1;
    }
    // Each bucket expects 10 000 (σ ≈ 95); 600 is > 6σ.
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(600);
  });
});
