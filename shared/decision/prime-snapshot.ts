import type { AppSnapshot, RequestFacts } from '../domain/types.ts';
import { rowsOf } from './candidate-row.ts';
import { type CompiledSnapshot, compileSnapshot } from './compile-snapshot.ts';
import { decide } from './decide.ts';
import { newStrategyState } from './strategy-state.ts';
import { seededRng } from './rng.ts';
import { termTable } from './ttft-memo.ts';
import type { Policy } from './types.ts';

/**
 * Does the per-snapshot work of a first decision ahead of it, so a refresh installed in the
 * background (edge SWR cache, proxy in-region cache) costs the next request only a warm
 * decision: the compiled view, the row scratch and the policy's term table always; with a
 * `sample` request (a client like the ones expected), also the caches keyed by client — geo
 * RTTs, network terms, hard-filter memos, the colo's inflow column — by deciding it once and
 * discarding the result. Every cache is per snapshot object and exact, so priming is
 * idempotent and changes no decision. Pointless for a first load a request already waits on.
 */
export function primeSnapshot(
  snap: AppSnapshot,
  policy: Policy,
  sample: RequestFacts | null = null,
  now: number = snap.loadedAt,
): CompiledSnapshot {
  const compiled = compileSnapshot(snap);
  rowsOf(compiled);
  if (policy.model === 'ttft') termTable(compiled, policy);
  if (sample !== null) {
    // A throwaway context: the real strategy state (round-robin cursor) must not move.
    decide(sample, snap, policy, {
      now,
      rng: seededRng('prime'),
      seed: 'prime',
      decisionId: 'prime',
      staleSnapshot: false,
      strategyState: newStrategyState(),
    });
  }
  return compiled;
}
