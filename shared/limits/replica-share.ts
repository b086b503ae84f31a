/**
 * One replica's slots shared fairly between the projects this proxy sends there (issue 10 P1,
 * tenant isolation): the pure rules behind proxy/src/replica-shares.ts. An engine's slots are
 * first come, first served, and configs may list the same replica URLs for several projects'
 * apps: one project's held streams took every slot of a shared replica, and another project got
 * the engine's `429 slots_full` until they ended.
 *
 * The rule is in-flight-share.ts's, with the replica's capacity as the budget and what this proxy
 * holds there (every app, every cluster that lists the URL) as the load; the proxy applies it only
 * to replicas that apps of two or more projects list (elsewhere nobody can be crowded out). Below the high-water mark
 * (capacity − a tenth, at least one slot) everyone is admitted: no cost while the replica is not
 * contended. At or above it, a project is admitted only while it holds less than an equal share of
 * the capacity among the projects holding work there (counting itself, and never fewer than two):
 * so a project alone on a replica may hold up to the high-water mark (or half the capacity, if
 * more), and the slots above it are kept for the next project. There is no `full` verdict: a
 * project within its share is sent even past the capacity, because the capacity is this proxy's
 * estimate and the replica itself says when it is full.
 *
 * The capacity is the replica's slots as its aggregator reports them (app_endpoints.slots), else
 * configured (PROXY_REPLICA_SLOTS), else learnt (`replicaCapacity`): when the replica answers 429, it
 * holds what this proxy had there minus the refused request (`capacityLearnt`). A learnt capacity
 * grows by one slot per REGROW_MS without another 429 (`capacityNow`), so an app's own 429 (a
 * per-user rate limit, not full slots) cannot pin its replica at a small capacity for good; the
 * price is that a lone flood may take one headroom slot per REGROW_MS until its next 429.
 */
import { headroomOf } from './in-flight-share.ts';

/** `over-share`: the caller's project holds its share of a contended replica. */
export type ReplicaVerdict = 'admit' | 'over-share';

/**
 * The verdict for one more request of a project at one replica. `capacity` ≤ 0 means unknown:
 * every request is admitted. Positional numbers, not an object: this runs for every candidate
 * replica of every request.
 */
export function replicaShareVerdict(
  capacity: number,
  /** Requests this proxy holds at the replica, all projects. */
  total: number,
  /** Projects with at least one request there. */
  projectsHolding: number,
  /** Requests the caller's project holds there. */
  projectHolds: number,
): ReplicaVerdict {
  if (capacity <= 0 || total < capacity - headroomOf(capacity)) return 'admit';
  const share = capacity / Math.max(2, projectsHolding + (projectHolds === 0 ? 1 : 0));
  return projectHolds < share ? 'admit' : 'over-share';
}

/** A learnt capacity grows by one slot per this long without the replica answering 429. */
export const REGROW_MS = 30_000;

/**
 * The capacity a replica's 429 teaches: what this proxy held there when it came, without the
 * refused request itself; 0 (unknown) when that is nothing.
 */
export function capacityLearnt(heldAtRefusal: number): number {
  return Math.max(0, heldAtRefusal - 1);
}

/** A learnt capacity `sinceMs` after the 429 that taught it (0 stays unknown). */
export function capacityNow(learnt: number, sinceMs: number): number {
  if (learnt <= 0) return 0;
  return learnt + Math.max(0, Math.floor(sinceMs / REGROW_MS));
}

/**
 * The capacity the rule uses for one replica (0 = unknown: everyone admitted). `off` turns the rule
 * off. A reported capacity (the aggregator's slots for the replica) is known from the first request,
 * so no flood takes every slot before a 429 teaches it; under `learn` a lower learnt one still wins
 * (other proxies hold slots there too, or the report is wrong) until it grows back past the report.
 * A configured number is for the replicas with no report.
 */
export function replicaCapacity(setting: number | 'learn' | 'off', reported: number | null, learntNow: number): number {
  if (setting === 'off') return 0;
  if (reported !== null) return setting === 'learn' && learntNow > 0 ? Math.min(reported, learntNow) : reported;
  return setting === 'learn' ? learntNow : setting;
}
