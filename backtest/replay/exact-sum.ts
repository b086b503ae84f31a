/**
 * A sum of doubles that does not depend on the order of its terms: Shewchuk's exact partials
 * (the algorithm behind Python's `math.fsum`) with a correctly rounded result. Replay threads
 * each take byte ranges of a file, so which records a thread adds up, and in what order the
 * threads' totals meet, changes from run to run; the report's cost must not.
 */

/** The exact running value as non-overlapping doubles, smallest magnitude first. Plain data: it crosses threads. */
export type ExactSum = number[];

/** Adds `x` to `partials` in place. Once a term is not finite the sum is that one value (∞, or NaN), as a plain sum would be. */
export function addExact(partials: ExactSum, x: number): void {
  const last = partials[partials.length - 1];
  if (!Number.isFinite(x) || (last !== undefined && !Number.isFinite(last))) {
    const v = (last !== undefined && !Number.isFinite(last) ? last : 0) + x;
    partials.length = 0;
    partials.push(v);
    return;
  }
  let i = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j] as number;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  partials.length = i;
  partials.push(x);
}

/** Adds every partial of `from` into `into`. */
export function mergeExact(into: ExactSum, from: ExactSum): void {
  for (const x of from) addExact(into, x);
}

/** The exact value of `partials`, rounded once to the nearest double (ties to even), as `math.fsum` does. */
export function exactValue(partials: ExactSum): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n] as number;
  if (!Number.isFinite(hi)) return hi;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n] as number;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Half-way case: the rest of the partials decide the rounding direction.
  const next = partials[n - 1];
  if (n > 0 && next !== undefined && ((lo < 0 && next < 0) || (lo > 0 && next > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
