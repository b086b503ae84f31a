import type { StrategyState } from './types.ts';

/** Fresh counters for one app (at the edge) or one upstream pool (in a proxy). */
export function newStrategyState(): StrategyState {
  return { roundRobinCursor: 0, outstanding: new Map() };
}
