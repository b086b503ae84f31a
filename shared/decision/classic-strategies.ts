import type { StrategyName } from '../domain/types.ts';
import { rendezvousIndex } from './consistent-hash.ts';
import type { Rng, StrategyState } from './types.ts';
import { weightedIndex } from './weighted-pick.ts';

/** Inputs a classic strategy sees: parallel arrays, so callers need not allocate target objects. */
export interface StrategyInput {
  readonly ids: readonly string[];
  readonly weights: ArrayLike<number>;
  readonly rng: Rng;
  readonly key: string | null;
  /** Counters kept between calls; null → round robin starts at a random place. */
  readonly state: StrategyState | null;
  /** In-flight load of target i (least-outstanding, power-of-two). */
  readonly load: (i: number) => number;
}

/**
 * The index chosen by `strategy` among `input.ids` (-1 when empty). The hard
 * constraints were already applied by the caller: strategies only spread load.
 * `switchyard` here means a weighted pick by the given weights.
 */
export function chooseIndex(strategy: StrategyName, input: StrategyInput): number {
  const n = input.ids.length;
  if (n === 0) return -1;
  if (n === 1) return 0;
  switch (strategy) {
    case 'switchyard':
    case 'weighted':
      return weightedIndex(input.weights, input.rng);
    case 'random':
      return Math.min(n - 1, Math.floor(input.rng.next() * n));
    case 'round-robin': {
      const state = input.state;
      if (state === null) return Math.min(n - 1, Math.floor(input.rng.next() * n));
      const i = state.roundRobinCursor % n;
      state.roundRobinCursor = (state.roundRobinCursor + 1) % 0x7fffffff;
      return i;
    }
    // Without a prompt to score (or across clusters, if ever asked), inference-aware is least outstanding.
    case 'inference-aware':
    case 'least-outstanding':
      return leastLoaded(n, input);
    case 'consistent-hash':
      // Without a key there is nothing to be sticky to: spread by weight instead.
      return input.key === null
        ? weightedIndex(input.weights, input.rng)
        : rendezvousIndex(input.key, input.ids, input.weights);
    case 'power-of-two': {
      const a = Math.min(n - 1, Math.floor(input.rng.next() * n));
      let b = Math.min(n - 2, Math.floor(input.rng.next() * (n - 1)));
      if (b >= a) b++;
      return input.load(b) < input.load(a) ? b : a;
    }
  }
}

/** Least load; ties broken at random so equal targets share traffic instead of the first taking all. */
function leastLoaded(n: number, input: StrategyInput): number {
  let best = -1;
  let bestLoad = Infinity;
  let ties = 0;
  for (let i = 0; i < n; i++) {
    const load = input.load(i);
    if (load < bestLoad) {
      bestLoad = load;
      best = i;
      ties = 1;
    } else if (load === bestLoad) {
      ties++;
      // Reservoir sampling: each tied target ends up chosen with probability 1/ties.
      if (input.rng.next() * ties < 1) best = i;
    }
  }
  return best;
}
