import type { DisqualificationCode } from './types.ts';

export interface Disqualification {
  readonly code: DisqualificationCode;
  readonly detail: string;
}

/**
 * Health-type codes: transient conditions the panic rule may override when
 * every candidate has one. The others (residency, excluded, unknown-cluster,
 * hardware, draining) are constraints or intent and always hold.
 */
const HEALTH_CODES: ReadonlySet<DisqualificationCode> = new Set<DisqualificationCode>([
  'unhealthy',
  'stale',
  'circuit-open',
  'no-state',
  'no-capacity',
]);

export function isHealthCode(code: DisqualificationCode): boolean {
  return HEALTH_CODES.has(code);
}

/** True when every disqualification is health-type (so the panic rule may consider the candidate). */
export function onlyHealthCodes(disqualifications: readonly Disqualification[]): boolean {
  for (const d of disqualifications) if (!HEALTH_CODES.has(d.code)) return false;
  return true;
}
