/**
 * How many of its newest spans each project may keep when the receiver's row cap is full. The cap
 * is shared by water-filling: a project under its equal share keeps everything, and what it leaves
 * is split among the rest, so one tenant's burst of sampled traces prunes only its own spans.
 * Pure; table-tested (fair-row-caps.test.ts).
 */

/**
 * The projects that hold more than their share, with the rows each may keep (0 when there are
 * more projects than rows). Projects absent from the result keep all of theirs. Ties in the
 * remainder go to projects in name order, so the result does not depend on the map's order.
 */
export function fairRowCaps(counts: ReadonlyMap<string, number>, maxRows: number): Map<string, number> {
  const caps = new Map<string, number>();
  let left = Math.max(0, Math.floor(maxRows));
  const byCount = [...counts].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 0; i < byCount.length; i++) {
    const [, n] = byCount[i] as [string, number];
    const share = Math.floor(left / (byCount.length - i));
    if (n <= share) {
      left -= n;
      continue;
    }
    // This one and every larger one are capped: the rows left, split evenly, remainder by name.
    const over = byCount.slice(i).map(([p]) => p).sort();
    const base = Math.floor(left / over.length);
    const extra = left - base * over.length;
    over.forEach((p, j) => caps.set(p, base + (j < extra ? 1 : 0)));
    break;
  }
  return caps;
}
