import type { CandidateRow } from './candidate-row.ts';
import type { ClusterAppState } from '../domain/types.ts';
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

/** Full but otherwise fine: fresh, healthy, circuit closed; the request would queue there. */
export function fullButFine(r: CandidateRow): boolean {
  const d = r.disqualifications;
  return d.length === 1 && d[0]?.code === 'no-capacity' && r.c.state !== null;
}

/**
 * A saturated fleet: the least-bad candidates are all full (no free, warm or cold slot) and
 * otherwise fine, so the request queues wherever it goes. The order's last tie-break is the id,
 * so every decider sent its overflow to the same cluster however long its queue had grown
 * (americas-hpa's first hour: 1,801 rejections at one cluster while another had 1 queued).
 * Instead each full candidate gets a share in proportion to how fast it would reach the
 * request, 1 / expected wait = slots / ((queued + 1) × service time), written to `probability`;
 * the full rows are re-ordered by share (ties keep the least-bad order). Returns how many rows
 * share (0 when the first of `order` is not full, or none has a loaded slot: the plain least-bad
 * pick stands).
 */
export function spreadOverQueues(order: CandidateRow[], defaultServiceMs: number): number {
  let n = 0;
  while (n < order.length && fullButFine(order[n] as CandidateRow)) n++;
  if (n === 0) return 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = order[i] as CandidateRow;
    const s = r.c.state as ClusterAppState; // fullButFine: has state
    const slots = Math.max(0, s.hotBusy) + Math.max(0, s.hotFree);
    const queued = Math.max(0, s.queued);
    const service = r.c.serviceMs > 0 ? r.c.serviceMs : defaultServiceMs;
    // A row with no loaded slot drains nothing until it starts one (weight 0); a corrupt count
    // (NaN) must not make the whole spread uniform.
    const w = slots / ((queued + 1) * service);
    r.probability = Number.isFinite(w) && w > 0 ? w : 0;
    total += r.probability;
  }
  // Nothing drains anywhere (no loaded slot): the plain least-bad pick stands.
  if (!(total > 0)) {
    for (let i = 0; i < n; i++) (order[i] as CandidateRow).probability = 0;
    return 0;
  }
  for (let i = 0; i < n; i++) {
    const r = order[i] as CandidateRow;
    r.probability /= total;
  }
  const head = order.slice(0, n).sort((a, b) => b.probability - a.probability);
  for (let i = 0; i < n; i++) order[i] = head[i] as CandidateRow;
  return n;
}
