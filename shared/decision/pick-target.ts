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
    load: loadOf(outstanding, ids),
  });
  return i < 0 ? null : (ids[i] ?? null);
}

/**
 * Returned as an anonymous arrow, not written as a named property in the call above: tsx (esbuild
 * `keepNames`, which production runs) renames every named closure with `Object.defineProperty` —
 * ~1 % of the proxy's CPU per request at one connection (`--cpu-prof`).
 */
function loadOf(outstanding: ReadonlyMap<string, number>, ids: readonly string[]): (j: number) => number {
  return (j) => outstanding.get(ids[j] ?? '') ?? 0;
}
