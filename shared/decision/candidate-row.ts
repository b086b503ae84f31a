import type { Tier } from '../domain/types.ts';
import type { CompiledCandidate, CompiledSnapshot } from './compile-snapshot.ts';
import type { Disqualification } from './disqualification.ts';
import { type FilterMemo, emptyFilterMemo } from './hard-filter-memo.ts';
import { TERM_COUNT } from './ttft-term-slots.ts';
import type { ModifierFactor } from './types.ts';
import { OwnerMemo } from '../caching/owner-memo.ts';

/**
 * Working record for one candidate during a decision (internal). Rows are scratch: one set
 * per compiled snapshot, reset and rewritten by every decision on it, so a decision allocates
 * no per-candidate objects. Nothing may keep a row past the `decide()` call that filled it:
 * what an explanation needs is copied out (`explain.ts`).
 */
export interface CandidateRow {
  readonly c: CompiledCandidate;
  disqualifications: readonly Disqualification[];
  tier: Tier | null;
  /** TIER_RANK of `tier`, NO_TIER_RANK when none. */
  tierRank: number;
  stateAgeMs: number | null;
  baseWeight: number;
  /** weights model: every modifier; ttft model: empty (its modifiers are built when explained). */
  modifiers: readonly ModifierFactor[];
  /** ttft model: the locality modifier's factor (the static weight's is on `c`). */
  localityFactor: number;
  /** base × every factor, for every eligible candidate (ranks fallbacks across tiers). */
  fullWeight: number;
  /** Weight used for the pick (0 outside the picked tier / when disqualified). */
  pickWeight: number;
  probability: number;
  /** Meaningful only when `hasEstimate` (a plain double field: writing it allocates nothing). */
  estimatedLatencyMs: number;
  hasEstimate: boolean;
  /** ttft model: the row's terms are in `CandidateRows.termMs` (false under the weights model). */
  scored: boolean;
  /** ttft model: sum of the terms, what the softmax ranks. */
  scoreMs: number;
  /**
   * ttft model: the network, queue and failure-risk terms (ms; 0 when unscored), also in
   * `CandidateRows.termMs`. Kept on the row because the softmax and the share-of-room caps read
   * them several times per row per decision, and a field read costs less than an indexed one.
   */
  networkMs: number;
  queueMs: number;
  failureMs: number;
  /** ttft model: the slowness term (ms; 0 when unscored): measured, so it keeps the base temperature as `failureMs` does. */
  slownessMs: number;
  /** ttft model: the most of the deciding origin's traffic this row may take (`share-of-room.ts`); NaN: no cap known. */
  shareCap: number;
  /** ttft model: the share placed on the row's start-up headroom when every row was at its cap (`share-of-room.ts`). */
  overflowShare: number;
  /** ttft model: the share the failover reserve moved off (negative) or onto (positive) the row (`failover-reserve.ts`). */
  reserveShare: number;
}

/** The scratch of one compiled snapshot: a row per candidate and their term values (ms). */
export interface CandidateRows {
  readonly rows: readonly CandidateRow[];
  /** TERM_COUNT values per candidate, row `i` at `i * TERM_COUNT + TERM.x` (ttft model). */
  readonly termMs: Float64Array;
  /** The decision's eligible rows and the ttft model's landing pool (lists refilled in place, see `setLength`). */
  readonly eligible: CandidateRow[];
  readonly pool: CandidateRow[];
  /** Each candidate's hard-filter memo (`hard-filter-memo.ts`): kept across decisions on this snapshot. */
  readonly filters: readonly FilterMemo[];
}

const scratch = new OwnerMemo<CompiledSnapshot, CandidateRows>('candidate rows');

/** The row scratch of `compiled` (created on first use; decide() is synchronous, so never shared by two live calls). */
export function rowsOf(compiled: CompiledSnapshot): CandidateRows {
  let s = scratch.get(compiled);
  if (s === undefined) {
    const n = compiled.candidates.length;
    const rows = new Array<CandidateRow>(n);
    for (let i = 0; i < n; i++) rows[i] = emptyRow(compiled.candidates[i] as CompiledCandidate);
    // Built by a loop, not rows.map: run in the interpreter, map made one elements kind of array,
    // and once this builder was optimized its inlined map made another; decide(), optimized on the
    // first, was thrown away on the second (replay warm-up).
    const filters: FilterMemo[] = [];
    for (let i = 0; i < n; i++) filters.push(emptyFilterMemo());
    s = { rows, termMs: new Float64Array(n * TERM_COUNT), eligible: rows.slice(), pool: rows.slice(), filters };
    scratch.set(compiled, s);
  }
  return s;
}

const NONE: readonly Disqualification[] = Object.freeze([]);
const NO_MODIFIERS: readonly ModifierFactor[] = Object.freeze([]);

function emptyRow(c: CompiledCandidate): CandidateRow {
  return {
    c,
    disqualifications: NONE,
    tier: null,
    tierRank: 0,
    // A double from the start, so the field never changes representation.
    stateAgeMs: 0.5,
    baseWeight: 0.5,
    modifiers: NO_MODIFIERS,
    localityFactor: 0.5,
    fullWeight: 0.5,
    pickWeight: 0.5,
    probability: 0.5,
    estimatedLatencyMs: 0.5,
    hasEstimate: false,
    scored: false,
    scoreMs: 0.5,
    networkMs: 0.5,
    queueMs: 0.5,
    failureMs: 0.5,
    slownessMs: 0.5,
    shareCap: NaN,
    overflowShare: 0.5,
    reserveShare: 0.5,
  };
}

/** Resets `r` for a new decision (every field the pipeline reads before writing). */
export function resetRow(
  r: CandidateRow,
  disqualifications: readonly Disqualification[],
  tier: Tier | null,
  tierRank: number,
  stateAgeMs: number | null,
): void {
  r.disqualifications = disqualifications;
  r.tier = tier;
  r.tierRank = tierRank;
  r.stateAgeMs = stateAgeMs;
  r.baseWeight = 0;
  r.modifiers = NO_MODIFIERS;
  r.localityFactor = 1;
  r.fullWeight = 0;
  r.pickWeight = 0;
  r.probability = 0;
  r.estimatedLatencyMs = 0;
  r.hasEstimate = false;
  r.scored = false;
  r.scoreMs = 0;
  r.networkMs = 0;
  r.queueMs = 0;
  r.failureMs = 0;
  r.slownessMs = 0;
  r.shareCap = NaN;
  r.overflowShare = 0;
  r.reserveShare = 0;
}

/**
 * Ends a scratch list refilled by index at `n` entries. Truncating keeps the list's backing
 * store (setting `length = 0` and pushing would allocate a new one on every decision).
 */
/**
 * A row its outcomes speak against (0 terms when unscored): replica faults (failure risk) or
 * slow answers (slowness). Neither is a standby worth keeping warm. (The share-of-room caps keep
 * others' overflow off rows with replica faults only: keeping it off slow rows as well cost more
 * and moved no less traffic in slow-gray-failure, BENCHMARKS.md.)
 */
export function measuredBad(r: CandidateRow): boolean {
  return r.failureMs > 0 || r.slownessMs > 0;
}

/** An eligible row whose state offers no slot: a full cluster admitted only to queue (`QUEUED_TIER`, decide.ts). */
export function queuesOnly(r: CandidateRow): boolean {
  return r.tier !== null && r.c.tier === null;
}

export function setLength(list: CandidateRow[], n: number): void {
  if (list.length !== n) list.length = n;
}
