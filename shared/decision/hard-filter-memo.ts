import type { ClientLocation } from '../domain/types.ts';
import type { CompiledCandidate } from './compile-snapshot.ts';
import type { Disqualification } from './disqualification.ts';
import { hardFilters } from './hard-filters.ts';
import type { Policy } from './types.ts';

/**
 * `hardFilters` memoised per candidate of one compiled snapshot. Its result depends, besides
 * the snapshot, only on: the client's continent (when the app must stay on it), whether the
 * status row is within the hard limit, the state's age label when it is beyond it (the detail
 * says "state is 130s old"), and the policy's hard limit. A candidate's key of those is a few
 * numbers, so a decision rebuilds no disqualification list (and no detail string) while they
 * repeat — most candidates of most decisions. Lists are frozen: decisions share them, as they
 * share the compile-time static ones.
 */
export interface FilterMemo {
  continent: string | null;
  statusFresh: boolean;
  /** The stale detail's seconds (NaN never matches: recomputed), or -1 when the state is not stale. */
  staleLabel: number;
  staleHardMs: number;
  list: readonly Disqualification[] | null;
}

/** An empty memo slot (the first call computes); one per candidate in the row scratch (`rowsOf`). */
export function emptyFilterMemo(): FilterMemo {
  return { continent: null, statusFresh: false, staleLabel: -1, staleHardMs: NaN, list: null };
}

/** Exactly `hardFilters(c, client, policy, now)`, from `memo` when every input it reads repeats. */
export function memoHardFilters(
  memo: FilterMemo,
  c: CompiledCandidate,
  client: ClientLocation,
  policy: Policy,
  now: number,
): readonly Disqualification[] {
  const hard = policy.staleHardMs;
  const continent = c.clientContinentOnly && c.cluster !== null ? client.continent : null;
  const status = c.status;
  const statusFresh = status !== null && now - status.observedAt <= hard;
  const state = c.state;
  const age = state === null ? 0 : now - state.observedAt;
  // As hardFilters tests it (negated: a NaN age is stale), and the number its detail prints.
  const staleLabel = state !== null && !(age <= hard) ? secondsLabel(age) : -1;
  if (
    memo.list !== null &&
    memo.continent === continent &&
    memo.statusFresh === statusFresh &&
    memo.staleLabel === staleLabel &&
    memo.staleHardMs === hard
  )
    return memo.list;
  const list = hardFilters(c, client, policy, now);
  memo.continent = continent;
  memo.statusFresh = statusFresh;
  memo.staleLabel = staleLabel;
  memo.staleHardMs = hard;
  memo.list = Object.isFrozen(list) ? list : Object.freeze(list);
  return memo.list;
}

/** The number `seconds(ms)` in hard-filters.ts prints (equal numbers print equal strings). */
function secondsLabel(ms: number): number {
  return ms < 10_000 ? Math.round(ms / 100) / 10 : Math.round(ms / 1000);
}
