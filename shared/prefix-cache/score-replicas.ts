/**
 * Inference-aware replica choice, pure: which replica should run a prompt, from the share of
 * its prefix each replica is believed to hold, their queues and their KV-cache use.
 *
 * 1. Imbalance guard: when load is skewed (max − min ≥ `imbalanceAbs` and max > `imbalanceRatio`
 *    × min) the shortest queue wins outright, whatever the caches hold (SGLang's rule).
 * 2. Exploration: with probability `exploreRate` a uniformly random replica, so a hot prefix
 *    spreads to a second replica instead of making one a hot spot.
 * 3. A prefix nobody holds goes by rendezvous hash of its first blocks among the replicas with
 *    near-minimal load, so several proxy processes send a new prefix to the same replica.
 * 4. Otherwise score = prefixWeight × matched fraction + queueWeight × (max − load)/(max − min)
 *    + kvWeight × (1 − KV usage); the sticky filter keeps every replica within `stickyBand`
 *    of the best and picks among them at random weighted by score.
 */
import { rendezvousIndex } from '../decision/consistent-hash.ts';
import type { Rng } from '../decision/types.ts';

export interface ReplicaView {
  readonly id: string;
  /** Static weight (canary splits); ≤ 0 never wins a hash or a weighted pick over a positive one. */
  readonly weight: number;
  /** Waiting + running requests: the engine's last report plus our own sends since. */
  readonly load: number;
  /** KV-cache usage 0..1, or null when unknown. */
  readonly kvUsage: number | null;
  /** Leading prompt blocks this replica is believed to hold. */
  readonly matchedBlocks: number;
}

export interface ScorerSettings {
  readonly prefixWeight: number;
  readonly queueWeight: number;
  readonly kvWeight: number;
  readonly imbalanceAbs: number;
  readonly imbalanceRatio: number;
  /** Fraction of the best possible score within which replicas count as equally good. */
  readonly stickyBand: number;
  readonly exploreRate: number;
  /** Replicas within this many requests of the least loaded may take a new prefix by hash. */
  readonly hashLoadSlack: number;
}

/** Documented defaults (proxy/README.md): prefix first, then queue, KV as a tie-breaker. */
export const DEFAULT_SCORER: ScorerSettings = {
  prefixWeight: 3,
  queueWeight: 2,
  kvWeight: 1,
  imbalanceAbs: 8,
  imbalanceRatio: 2,
  stickyBand: 0.1,
  exploreRate: 0.02,
  hashLoadSlack: 2,
};

export type PickReason = 'only' | 'imbalance' | 'explore' | 'hash' | 'score';

export interface ReplicaScore {
  readonly id: string;
  readonly prefix: number;
  readonly queue: number;
  readonly kv: number;
  readonly total: number;
}

export interface ReplicaPick {
  /** Index into the views; -1 when there were none. */
  readonly index: number;
  readonly reason: PickReason;
  /** Per-replica terms (only for `score` picks; empty otherwise, to keep the hot path cheap). */
  readonly scores: readonly ReplicaScore[];
}

function leastLoaded(views: readonly ReplicaView[], rng: Rng): number {
  let best = -1;
  let ties = 0;
  for (let i = 0; i < views.length; i++) {
    const load = (views[i] as ReplicaView).load;
    const bestLoad = best < 0 ? Infinity : (views[best] as ReplicaView).load;
    if (load < bestLoad) {
      best = i;
      ties = 1;
    } else if (load === bestLoad && rng.next() * ++ties < 1) best = i;
  }
  return best;
}

function weightedPick(items: readonly { i: number; w: number }[], rng: Rng): number {
  const total = items.reduce((s, x) => s + x.w, 0);
  if (total <= 0) return items[Math.min(items.length - 1, Math.floor(rng.next() * items.length))]?.i ?? -1;
  let r = rng.next() * total;
  for (const x of items) {
    r -= x.w;
    if (r < 0) return x.i;
  }
  return items[items.length - 1]?.i ?? -1;
}

/** The replica for a prompt of `totalBlocks` blocks whose first blocks hash to `key`. */
export function scoreReplicas(
  views: readonly ReplicaView[],
  totalBlocks: number,
  key: string | null,
  s: ScorerSettings,
  rng: Rng,
): ReplicaPick {
  const n = views.length;
  if (n <= 1) return { index: n - 1, reason: 'only', scores: [] };
  let min = Infinity;
  let max = -Infinity;
  let bestMatch = 0;
  for (const v of views) {
    min = Math.min(min, v.load);
    max = Math.max(max, v.load);
    bestMatch = Math.max(bestMatch, v.matchedBlocks);
  }
  if (max - min >= s.imbalanceAbs && max > s.imbalanceRatio * min) {
    return { index: leastLoaded(views, rng), reason: 'imbalance', scores: [] };
  }
  if (rng.next() < s.exploreRate) return { index: Math.min(n - 1, Math.floor(rng.next() * n)), reason: 'explore', scores: [] };
  if (bestMatch === 0 && key !== null) {
    const near = views.map((v, i) => ({ v, i })).filter(({ v }) => v.load <= min + s.hashLoadSlack);
    const j = rendezvousIndex(key, near.map((x) => x.v.id), near.map((x) => x.v.weight));
    return { index: near[j]?.i ?? leastLoaded(views, rng), reason: 'hash', scores: [] };
  }
  const span = max - min;
  const scores = views.map((v): ReplicaScore => {
    const prefix = totalBlocks > 0 ? v.matchedBlocks / totalBlocks : 0;
    const queue = span === 0 ? 1 : (max - v.load) / span;
    const kv = v.kvUsage === null ? 1 : 1 - Math.min(1, Math.max(0, v.kvUsage));
    return { id: v.id, prefix, queue, kv, total: s.prefixWeight * prefix + s.queueWeight * queue + s.kvWeight * kv };
  });
  const best = Math.max(...scores.map((x) => x.total));
  const band = s.stickyBand * (s.prefixWeight + s.queueWeight + s.kvWeight);
  const kept = scores.flatMap((x, i) => (x.total >= best - band ? [{ i, w: x.total * Math.max(0, views[i]?.weight ?? 1) }] : []));
  return { index: weightedPick(kept, rng), reason: 'score', scores };
}
