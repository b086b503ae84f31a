/**
 * Admission for shared (region or global) limits that first takes a lease for a key no lease
 * covers yet. Without it, a key that became known between renewals (an app learned on its first
 * request, a route limit added, every key at a fleet's start) was admitted on the fallback share:
 * the whole limit while no peer is known, on every proxy at once, so two proxies could together
 * admit twice the limit until their next renewals. The wait is one renewal (a few ms to libSQL),
 * bounded; if it fails or runs late the fallback share applies, as before.
 */
import type { AppLimits } from '../../shared/domain/types.ts';
import type { Admission, LimitCharge, LimitVerdict } from './app-limits.ts';
import type { LimitLeases } from './limit-leases.ts';

/** How long a first admission waits for its key's first lease before using the fallback share. */
export const FIRST_CLAIM_WAIT_MS = 2_000;

export function firstClaimAdmission(
  inner: Admission,
  leases: LimitLeases,
  limitsOf: (key: string) => AppLimits,
  now: () => number,
  waitMs = FIRST_CLAIM_WAIT_MS,
): Admission {
  return {
    inFlight: (key) => inner.inFlight(key),
    acquire(key, t, charge?: LimitCharge): LimitVerdict | Promise<LimitVerdict> {
      const limits = limitsOf(key);
      if (!leases.unclaimed(key, limits, t)) return inner.acquire(key, t, charge);
      return leases.claimNew(key, limits, waitMs).then(() => inner.acquire(key, now(), charge));
    },
  };
}
