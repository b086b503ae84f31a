import { type CandidateRow, measuredBad } from './candidate-row.ts';
import type { Policy, ReserveSource } from './types.ts';

/** The reserve a decision applies: the app's own `failoverReserve`, else the policy's `ROUTE_FAILOVER_RESERVE`. */
export function reserveSetting(app: number | null, policy: Policy): number {
  return app ?? policy.ttft.failoverReserve;
}

/** Whose setting `reserveSetting` took, as the explanation names it. */
export function reserveSource(app: number | null): ReserveSource {
  return app === null ? 'policy' : 'app';
}

/**
 * N+1 sizing where a constraint leaves few candidates (e.g. an EU-only app with three EU
 * clusters). The price term concentrates such an app on its cheapest cluster, and each
 * fallback's autoscaler keeps only the idle slots its own load needs; when the big one fails,
 * its load lands on fallbacks whose free slots are a fraction of it and waits minutes for cold
 * starts (session 36, eu-failover-surge: outage p99 10.9 s where every spreading baseline kept
 * 183 ms). So the candidate carrying the most busy slots keeps at most the share whose load the
 * others' free slots (× `reserve`) could take at once; the rest of its share goes to the others
 * in proportion to their own. The others then carry more, their autoscalers keep more slots
 * loaded, and the split settles where a failover fits.
 *
 * Standbys are loaded rows without replica faults (a failing or cold cluster is no standby);
 * free slots are the published ones less the queue. Nothing moves:
 * - with fewer than three standbys: at an autoscaler's 60–70 % target one cluster's free slots
 *   never cover the other's busy ones, so between two the rule would only swap the load back
 *   and forth (each swap a round of start-ups);
 * - while any of them queues, or when the others could not hold the busiest's load even by
 *   starting every replica they may (a saturated fleet): there N+1 cannot be had now, and
 *   moving load would only queue it.
 * The caller runs it only where the share-of-room caps hold the origin: they keep the moved share
 * within the others' room over the state's horizon (what they cannot take goes back to rows with
 * room, the busiest among them), so the split moves as fast as the others' autoscalers grow.
 * Each moved share is written to `reserveShare` (negative on the row it left) for the explanation.
 */
export function reserveForFailover(pool: readonly CandidateRow[], reserve: number): void {
  let busiest: CandidateRow | null = null;
  let standbys = 0;
  let spare = 0; // every standby's free slots
  let reach = 0; // every standby's free and unpinned start-up slots
  let takers = 0; // every standby's probability: the moved share follows it
  for (const r of pool) {
    if (!isStandby(r)) continue;
    // A queue anywhere: the app is short of slots now, and moving load would only queue it.
    if ((r.c.state?.queued ?? 0) > 0) return;
    standbys++;
    spare += freeSlots(r);
    reach += freeSlots(r) + r.c.startHeadroom;
    takers += r.probability;
    if (busiest === null || r.c.hotBusy > busiest.c.hotBusy) busiest = r;
  }
  if (busiest === null || standbys < 3) return;
  const busy = busiest.c.hotBusy;
  const others = (spare - freeSlots(busiest)) * reserve;
  const othersReach = reach - freeSlots(busiest) - busiest.c.startHeadroom;
  takers -= busiest.probability;
  if (!(busy > others) || othersReach < busy || !(takers > 0)) return;
  const moved = busiest.probability * (1 - others / busy);
  busiest.probability -= moved;
  busiest.reserveShare = -moved;
  for (const r of pool) {
    if (r === busiest || !isStandby(r)) continue;
    const add = (moved * r.probability) / takers;
    r.probability += add;
    r.reserveShare = add;
  }
}

/** A candidate that could take a failed one's load at once: loaded replicas, no replica faults, not slow. */
function isStandby(r: CandidateRow): boolean {
  return r.c.hasLoaded && !measuredBad(r);
}

/** Hot free slots less the queue, as published (never below 0). */
function freeSlots(r: CandidateRow): number {
  const f = r.c.freeLessQueued;
  return f > 0 ? f : 0;
}
