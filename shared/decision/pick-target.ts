import type { StrategyName } from '../domain/types.ts';
import { chooseIndex } from './classic-strategies.ts';
import type { Rng, StrategyState } from './types.ts';

export { newStrategyState } from './strategy-state.ts';

export interface PickTargetOptions {
  readonly rng: Rng;
  /** Affinity key for consistent-hash (null → weighted spread). */
  readonly key: string | null;
  /** Round-robin cursor and in-flight counts; the caller increments/decrements `outstanding`. */
  readonly state: StrategyState;
}

/**
 * Picks one target (e.g. a replica inside a cluster, in the regional proxy)
 * with a classic strategy; `switchyard` and `weighted` pick by weight.
 * Returns the target's id, or null when `targets` is empty.
 */
export function pickTarget(
  strategy: StrategyName,
  targets: readonly { id: string; weight: number }[],
  opts: PickTargetOptions,
): string | null {
  const ids = targets.map((t) => t.id);
  const weights = targets.map((t) => t.weight);
  const outstanding = opts.state.outstanding;
  const i = chooseIndex(strategy, {
    ids,
    weights,
    rng: opts.rng,
    key: opts.key,
    state: opts.state,
    load: (j) => outstanding.get(ids[j] ?? '') ?? 0,
  });
  return i < 0 ? null : (ids[i] ?? null);
}
