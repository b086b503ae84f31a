/**
 * Weighted rendezvous (highest-random-weight) hashing: each target scores
 * -w / ln(u) where u is a uniform hash of (key, target); the best score wins.
 * A target's score does not depend on the other targets, so removing one
 * moves only the keys it owned, and adding one takes only the keys it now
 * wins — with no ring to build or rebuild.
 */
import { fmix32 } from '../hashing/fmix32.ts';

/** FNV-1a over UTF-16 code units, continuing from `h` (so hashing key then id hashes their concatenation). */
function fnv1a(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const FNV_OFFSET = 2166136261;
// Separates key and id so ("ab","c") and ("a","bc") hash differently.
const SEP = '\u0000';

/** Uniform in (0, 1), a pure function of (key, id). */
export function rendezvousUniform(key: string, id: string): number {
  const h = fmix32(fnv1a(id, fnv1a(SEP, fnv1a(key, FNV_OFFSET))));
  return (h + 0.5) / 4294967296;
}

/**
 * Index of the target that owns `key`, or -1 when `ids` is empty. Targets
 * with weight ≤ 0 own nothing unless no weight is positive (then all count as 1).
 */
export function rendezvousIndex(
  key: string,
  ids: readonly string[],
  weights: ArrayLike<number>,
): number {
  let anyPositive = false;
  for (let i = 0; i < ids.length; i++) if ((weights[i] ?? 0) > 0) anyPositive = true;
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < ids.length; i++) {
    const w = anyPositive ? (weights[i] ?? 0) : 1;
    if (w <= 0) continue;
    const score = -w / Math.log(rendezvousUniform(key, ids[i] ?? ''));
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}
