/**
 * Splits `total` units over classes in proportion to `counts` (never more than a class's own
 * count), whole units only; the remainder goes round one unit at a time from class `start`.
 * The simulator uses it so requests of several duration classes that reach a cluster in the
 * same tick share its free slots and queue places alike: served one class after the other,
 * the first class took every free slot and the last did all the queueing, so the per-class
 * tails measured the order of a loop, not the routing.
 */
export function splitInProportion(total: number, counts: ArrayLike<number>, start: number, out: Float64Array): void {
  const m = counts.length;
  let sum = 0;
  for (let i = 0; i < m; i++) sum += Math.max(0, counts[i] ?? 0);
  const take = Math.max(0, Math.min(Math.floor(total), sum));
  let given = 0;
  for (let i = 0; i < m; i++) {
    const c = Math.max(0, counts[i] ?? 0);
    const share = sum > 0 ? Math.floor((take * c) / sum) : 0;
    out[i] = share;
    given += share;
  }
  for (let step = 0; given < take && step < m * (take - given + 1); step++) {
    const i = (((start + step) % m) + m) % m;
    if ((out[i] ?? 0) < Math.max(0, counts[i] ?? 0)) {
      out[i] = (out[i] ?? 0) + 1;
      given++;
    }
  }
}
