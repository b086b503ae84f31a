import type { CandidateRow } from './candidate-row.ts';
import { onlyHealthCodes } from './disqualification.ts';

// Lexicographic "least bad" order: first compare by what matters most for a
// request actually being served. Each key is 0 (better) or 1 (worse).
function badness(r: CandidateRow): [number, number, number, number] {
  const s = r.c.state;
  let unhealthy = 0;
  let circuit = 0;
  let capacity = 1;
  for (const d of r.disqualifications) {
    if (d.code === 'unhealthy') unhealthy = 1;
    else if (d.code === 'circuit-open') circuit = 1;
  }
  if (s !== null && (s.hotFree > 0 || s.warm > 0 || s.cold > 0)) capacity = 0;
  return [s === null ? 1 : 0, unhealthy, circuit, capacity];
}

function totalCapacity(r: CandidateRow): number {
  const s = r.c.state;
  return s === null ? 0 : Math.max(0, s.hotFree) + Math.max(0, s.warm) + Math.max(0, s.cold);
}

/**
 * Candidates the panic rule may use — those disqualified only by health-type
 * filters — least bad first: has state, then not reported unhealthy (degraded
 * or unknown beats unhealthy), then circuit closed, then has capacity, then
 * freshest state, then most capacity, then id (deterministic).
 */
export function leastBadOrder(rows: readonly CandidateRow[]): CandidateRow[] {
  const pool = rows.filter(
    (r) => r.disqualifications.length > 0 && onlyHealthCodes(r.disqualifications),
  );
  const keys = new Map(pool.map((r) => [r, badness(r)] as const));
  return pool.sort((a, b) => {
    const ka = keys.get(a) ?? [1, 1, 1, 1];
    const kb = keys.get(b) ?? [1, 1, 1, 1];
    for (let i = 0; i < 4; i++) {
      const d = (ka[i] ?? 1) - (kb[i] ?? 1);
      if (d !== 0) return d;
    }
    const age = (a.stateAgeMs ?? Infinity) - (b.stateAgeMs ?? Infinity);
    if (age !== 0 && !Number.isNaN(age)) return age;
    const cap = totalCapacity(b) - totalCapacity(a);
    if (cap !== 0) return cap;
    return a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0;
  });
}
