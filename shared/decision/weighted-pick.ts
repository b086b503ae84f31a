import type { Rng } from './types.ts';

/**
 * Index drawn with probability weights[i] / sum (non-positive weights never
 * drawn); uniform over all entries when no weight is positive; -1 when empty.
 * Consumes exactly one rng draw when there is anything to pick. Only the first
 * `n` entries count (a reused scratch buffer may be longer).
 */
export function weightedIndex(weights: ArrayLike<number>, rng: Rng, n = weights.length): number {
  if (n === 0) return -1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] ?? 0;
    if (w > 0) total += w;
  }
  const u = rng.next();
  if (!(total > 0)) return Math.min(n - 1, Math.floor(u * n));
  let x = u * total;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const w = weights[i] ?? 0;
    if (w <= 0) continue;
    last = i;
    if (x < w) return i;
    x -= w;
  }
  // Floating-point residue can leave x ≥ the last weight: that draw belongs to the last positive entry.
  return last;
}
