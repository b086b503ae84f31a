/**
 * Per-app limits when several worker processes share one proxy's port (cluster-peers.ts).
 * Limits counted per proxy (scope `proxy`, or no libSQL to lease through) are split exactly:
 * worker i of N enforces floor(L/N) plus one of the remainder when i < L mod N, so
 * the workers together never admit more than the proxy may (RPS the same on whole requests: a
 * token bucket smaller than one token would admit nothing). Shared limits (scope `region` /
 * `global` with a store) need no split: each worker leases its own share as a holder of its
 * own (limit-leases.ts), and the lease bound applies as between proxies.
 */
import type { AppLimits } from '../../shared/domain/types.ts';
import type { WorkerSlot } from './cluster-peers.ts';

export function workerShare(limits: AppLimits, slot: WorkerSlot): AppLimits {
  if (slot.count <= 1) return limits;
  const split = (limit: number | null): number | null => {
    if (limit === null) return null;
    const whole = Math.floor(limit);
    return Math.floor(whole / slot.count) + (slot.index < whole % slot.count ? 1 : 0);
  };
  return { ...limits, maxConcurrency: split(limits.maxConcurrency), maxRps: split(limits.maxRps) };
}
