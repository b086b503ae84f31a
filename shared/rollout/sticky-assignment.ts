/**
 * Which version a request gets under a rollout. Deterministic per session key: the key's bucket
 * (0..9999, a hash of rollout id + key) is on the canary when it is below weight × 100, so raising
 * the weight only ever moves stable buckets to the canary, never back. A conversation that has
 * already run somewhere keeps that version through its job pin (`pinnedVersion`), so a step
 * never flips it. Held regions (region-rule.ts) win over everything until promotion.
 */
import type { RolloutView } from './types.ts';

export const BUCKETS = 10_000;

/** FNV-1a (32 bit) of `<rollout id>\n<key>`, folded into 0..BUCKETS-1. Same value in Node and workerd. */
export function stickyBucket(rolloutId: string, key: string): number {
  let h = 0x811c9dc5;
  const s = `${rolloutId}\n${key}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % BUCKETS;
}

export type VersionReason =
  | 'stable' // rollout not running: everyone on the stable version
  | 'held-region' // the client's region is held on the old version
  | 'pinned-conversation' // the session already runs on a cluster serving this version
  | 'sticky-hash' // the session key's bucket against the weight
  | 'random' // no session key: a per-request draw against the weight
  | 'braked'; // the canary was chosen but this edge's brake stopped it (canary-brake.ts)

export interface VersionChoice {
  readonly version: string;
  readonly canary: boolean;
  readonly reason: VersionReason;
  /** The bucket compared against the weight, when one was. */
  readonly bucket: number | null;
}

export interface AssignInput {
  readonly rollout: RolloutView;
  /** Session key (hashed job key, else affinity key); null = none sent. */
  readonly sessionKey: string | null;
  /** Uniform [0,1) for keyless requests. */
  readonly random: number;
  /** The client's region (nearest cluster region), null = unknown. */
  readonly homeRegion: string | null;
  /** Version served by the cluster the session is pinned to, if any. */
  readonly pinnedVersion: string | null;
}

/** The version for one request. Pure. */
export function assignVersion(input: AssignInput): VersionChoice {
  const r = input.rollout;
  const stable = (reason: VersionReason, bucket: number | null = null): VersionChoice => ({ version: r.stable, canary: false, reason, bucket });
  if (r.status !== 'running' && r.status !== 'paused') return stable('stable');
  // Unknown client region while regions are held: the safe side is the old version.
  if (r.heldRegions.length > 0 && (input.homeRegion === null || r.heldRegions.includes(input.homeRegion))) {
    return stable('held-region');
  }
  if (input.pinnedVersion === r.stable) return stable('pinned-conversation');
  if (input.pinnedVersion === r.canary && r.weightPct > 0) {
    return { version: r.canary, canary: true, reason: 'pinned-conversation', bucket: null };
  }
  const keyed = input.sessionKey !== null;
  const bucket = keyed ? stickyBucket(r.id, input.sessionKey ?? '') : Math.floor(input.random * BUCKETS);
  const onCanary = bucket < Math.round(r.weightPct * (BUCKETS / 100));
  const reason: VersionReason = keyed ? 'sticky-hash' : 'random';
  return onCanary ? { version: r.canary, canary: true, reason, bucket } : stable(reason, bucket);
}
