/**
 * Chooses a replica inside a cluster with the app's classic strategy. The
 * brief puts `pickTarget` in shared/decision; until that module lands this is
 * the proxy-local adapter with the same signature (swap the import, keep
 * callers). Pure: randomness and strategy state are passed in.
 */
import type { StrategyName } from '../../shared/domain/types.ts';
import type { Rng, StrategyState } from '../../shared/decision/types.ts';

export interface PickTarget {
  readonly id: string;
  readonly weight: number;
}

export interface PickOptions {
  readonly rng: Rng;
  /** Consistent-hash key (affinity header value); null falls back to random. */
  readonly key: string | null;
  readonly state: StrategyState;
}

/** FNV-1a 32-bit: stable across runtimes, good enough to spread keys. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function weightedPick(targets: readonly PickTarget[], rng: Rng): string | null {
  const total = targets.reduce((s, t) => s + Math.max(0, t.weight), 0);
  if (total <= 0) return targets[Math.floor(rng.next() * targets.length)]?.id ?? null;
  let r = rng.next() * total;
  for (const t of targets) {
    r -= Math.max(0, t.weight);
    if (r < 0) return t.id;
  }
  return targets[targets.length - 1]?.id ?? null;
}

/** Rendezvous (highest random weight) hashing: only keys of a removed target move. */
function rendezvous(targets: readonly PickTarget[], key: string): string | null {
  let best: PickTarget | null = null;
  let bestScore = -1;
  for (const t of targets) {
    const score = fnv1a(`${key}\u0000${t.id}`);
    if (score > bestScore) (best = t), (bestScore = score);
  }
  return best?.id ?? null;
}

export function pickTarget(strategy: StrategyName, targets: readonly PickTarget[], opts: PickOptions): string | null {
  if (targets.length === 0) return null;
  if (targets.length === 1) return targets[0]?.id ?? null;
  const load = (id: string): number => opts.state.outstanding.get(id) ?? 0;
  switch (strategy) {
    case 'round-robin':
    case 'switchyard': {
      const i = opts.state.roundRobinCursor % targets.length;
      opts.state.roundRobinCursor = (opts.state.roundRobinCursor + 1) % 1_000_000_007;
      return targets[i]?.id ?? null;
    }
    case 'random':
      return targets[Math.floor(opts.rng.next() * targets.length)]?.id ?? null;
    case 'weighted':
      return weightedPick(targets, opts.rng);
    case 'least-outstanding': {
      let best = targets[0];
      for (const t of targets) if (best === undefined || load(t.id) < load(best.id)) best = t;
      return best?.id ?? null;
    }
    case 'consistent-hash':
      return opts.key === null ? weightedPick(targets, opts.rng) : rendezvous(targets, opts.key);
    case 'power-of-two': {
      const a = targets[Math.floor(opts.rng.next() * targets.length)];
      const b = targets[Math.floor(opts.rng.next() * targets.length)];
      if (a === undefined || b === undefined) return null;
      return load(b.id) < load(a.id) ? b.id : a.id;
    }
  }
}

/** Math.random as an Rng: the proxy's in-cluster picks need no replay. */
export const mathRng: Rng = { next: () => Math.random() };
