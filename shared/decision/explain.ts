import type { ClusterAppState, Tier } from '../domain/types.ts';
import type { CandidateRow } from './candidate-row.ts';
import type { CompiledCandidate } from './compile-snapshot.ts';
import type { Disqualification } from './disqualification.ts';
import { localityModifier } from './modifiers.ts';
import { explainedEstimateMs, explainScore, type TtftInputs } from './predict-ttft.ts';
import { landingCapacity, landingTier } from './tiers.ts';
import type { CandidateExplanation, ModifierFactor, ReserveSource } from './types.ts';

/**
 * Explanations are built when read, not in `decide()`: a decision keeps a compact frame of
 * what its rows held (a few numbers per candidate and references) and builds the
 * `CandidateExplanation` objects, term lists and modifier strings from it on first access —
 * usually when the decision is serialised, off the request path. Everything rebuilt is a pure
 * function of inputs the frame holds (the memoised terms give equal objects), so the
 * explanation is the one an eager build would have made, field for field and key for key.
 */

/** The tier a row gets when no hard filter disqualified it (`landingTier`). */
export function rowTier(disqualifications: readonly Disqualification[], s: ClusterAppState | null): Tier | null {
  return disqualifications.length === 0 && s !== null ? landingTier(s) : null;
}

export function stateAgeOf(s: ClusterAppState | null, now: number): number | null {
  return s === null ? null : Math.max(0, now - s.observedAt);
}

// Numbers kept per candidate, `fields` apart: the pick weight and probability, then under the
// weights model its latency estimate and whether there is one (a ttft-scored row's estimate and
// score are rebuilt with its terms, `explainScore`). Not the base weight: both models give every
// eligible row `landingCapacity` (its slots in its tier, one slot for a full cluster admitted to
// queue), others 0.
const PICK = 0;
const PROB = 1;
const EST = 2;
const HAS_EST = 3;
const TTFT_FIELDS = 2;
const WEIGHTS_FIELDS = 4;
// Under the ttft model, in `caps` (CAP_FIELDS per candidate): the share cap and the share the
// share-of-room overflow added (`overflowShare`, 0: none). Only decisions whose origin the caps
// held have any: the others keep no array for them (half the frame's numbers).
const CAP = 0;
const OVERFLOW = 1;
const CAP_FIELDS = 2;

export interface DecisionFrame {
  readonly candidates: readonly CompiledCandidate[];
  readonly disqualifications: readonly (readonly Disqualification[])[];
  /** `fields` numbers per candidate (a plain array of doubles, see `frameNumbers`). */
  readonly nums: readonly number[];
  readonly fields: number;
  /** ttft model: CAP_FIELDS numbers per candidate when some row has a share cap; null: none has. */
  readonly caps: readonly number[] | null;
  /** ttft model: each candidate's `reserveShare` when the failover reserve moved a share; null: it did not (most decisions). */
  readonly reserve: readonly number[] | null;
  /** Whose failover reserve setting moved them (`reserve` non-null). */
  readonly reserveFrom: ReserveSource;
  /** weights model: each row's modifiers as weighed; null otherwise. */
  readonly modifiers: readonly (readonly ModifierFactor[])[] | null;
  /** ttft model with eligible candidates: the shared inputs of their terms; null otherwise. */
  readonly ttft: TtftInputs | null;
  /** What `chargeRetries` returned (Infinity: nothing charged). */
  readonly alternative: number;
  readonly now: number;
}

/** Copies what the explanations need out of the (reused) rows; `candidates` are the compiled snapshot's, in row order. */
export function captureFrame(
  candidates: readonly CompiledCandidate[],
  rows: readonly CandidateRow[],
  weighed: boolean,
  ttft: TtftInputs | null,
  alternative: number,
  now: number,
  reserveFrom: ReserveSource,
): DecisionFrame {
  const n = rows.length;
  const fields = ttft === null ? WEIGHTS_FIELDS : TTFT_FIELDS;
  const nums = frameNumbers(n * fields);
  const disqualifications = new Array<readonly Disqualification[]>(n);
  const modifiers = weighed ? new Array<readonly ModifierFactor[]>(n) : null;
  let caps: number[] | null = null;
  let reserve: number[] | null = null;
  for (let i = 0; i < n; i++) {
    const r = rows[i] as CandidateRow;
    const at = i * fields;
    nums[at + PICK] = r.pickWeight;
    nums[at + PROB] = r.probability;
    if (ttft !== null) {
      // An explanation shows the overflow only beside a cap (explainAt): a row without one needs neither.
      if (!Number.isNaN(r.shareCap)) {
        caps ??= uncappedNumbers(n);
        caps[i * CAP_FIELDS + CAP] = r.shareCap;
        caps[i * CAP_FIELDS + OVERFLOW] = r.overflowShare;
      }
      if (r.reserveShare !== 0) {
        reserve ??= new Array<number>(n).fill(0);
        reserve[i] = r.reserveShare;
      }
    } else {
      nums[at + EST] = r.estimatedLatencyMs;
      nums[at + HAS_EST] = r.hasEstimate ? 1 : 0;
    }
    disqualifications[i] = r.disqualifications;
    if (modifiers !== null) modifiers[i] = r.modifiers;
  }
  return { candidates, disqualifications, nums, fields, caps, reserve, reserveFrom, modifiers, ttft, alternative, now };
}

/** CAP_FIELDS per candidate, each row uncapped (cap NaN, no overflow) until written. */
function uncappedNumbers(n: number): number[] {
  const out = frameNumbers(n * CAP_FIELDS);
  for (let i = 0; i < n; i++) {
    out[i * CAP_FIELDS + CAP] = NaN;
    out[i * CAP_FIELDS + OVERFLOW] = 0;
  }
  return out;
}

// Frames keep their numbers on the JS heap, as a packed array of unboxed doubles copied from a
// template (one young allocation, no elements-kind transition). Not off-heap: a Float64Array
// per decision costs more than the rest of a small decision, and views of shared 256 KB slabs
// (session 10) left the slabs to full GCs only (20 per 100k decisions at 512 candidates) and
// touched freshly mapped pages as they filled: at 64 candidates the ~36 decisions after each new
// slab ran ~3× slower (35 µs, not 11), the 64-candidate bench's p95–p98 band.
let template: number[] = [];

function frameNumbers(count: number): number[] {
  if (template.length < count) {
    const grown: number[] = [];
    for (let i = 0; i < count; i++) grown.push(0.5);
    template = grown;
  }
  return template.slice(0, count);
}

/** The base weight decide() gave a row (weigh / predictTtft) from its state and tier. */
function baseWeightOf(s: ClusterAppState | null, tier: Tier | null): number {
  return s === null || tier === null ? 0 : landingCapacity(s, tier);
}

/** Probability of candidate `i` as the decision left it. */
export function probabilityAt(f: DecisionFrame, i: number): number {
  return f.nums[i * f.fields + PROB] ?? 0;
}

/** `estimatedLatencyMs` of candidate `i`'s explanation, without building the rest of it. */
export function estimateAt(f: DecisionFrame, i: number): number | null {
  const x = f.ttft;
  if (x === null) return weighedEstimate(f, i);
  const c = f.candidates[i] as CompiledCandidate;
  const s = c.state;
  if (s === null || rowTier(f.disqualifications[i] ?? [], s) === null) return null;
  return explainedEstimateMs(c, s, stateAgeOf(s, f.now) ?? 0, x, f.alternative);
}

/** Without ttft inputs: the estimate the weights model kept (none under the ttft model). */
function weighedEstimate(f: DecisionFrame, i: number): number | null {
  const at = i * f.fields;
  return f.nums[at + HAS_EST] === 1 ? (f.nums[at + EST] ?? 0) : null;
}

const NO_MODIFIERS: readonly ModifierFactor[] = Object.freeze([]);

/** Every candidate's explanation, in candidate order. */
export function explainAll(f: DecisionFrame): CandidateExplanation[] {
  const out = new Array<CandidateExplanation>(f.candidates.length);
  for (let i = 0; i < out.length; i++) out[i] = explainAt(f, i);
  return out;
}

export function explainAt(f: DecisionFrame, i: number): CandidateExplanation {
  const c = f.candidates[i] as CompiledCandidate;
  const cluster = c.cluster;
  const state = c.state;
  const disqualifications = f.disqualifications[i] ?? [];
  const tier = rowTier(disqualifications, state);
  const stateAgeMs = stateAgeOf(state, f.now);
  const at = i * f.fields;
  const probability = f.nums[at + PROB] ?? 0;
  const x = f.ttft;
  const scored = x !== null && tier !== null && state !== null;
  const score = scored ? explainScore(c, state, stateAgeMs ?? 0, x, f.alternative) : null;
  const modifiers = scored
    ? [localityModifier(state.lastServedAt, f.now, x.policy), c.staticWeightModifier]
    : (f.modifiers?.[i] ?? NO_MODIFIERS);
  const base = {
    clusterId: c.id,
    region: cluster === null ? null : cluster.region,
    provider: cluster === null ? null : cluster.provider,
    disqualifications,
    tier,
    baseWeight: baseWeightOf(state, tier),
    modifiers,
    weight: f.nums[at + PICK] ?? 0,
    probability,
    estimatedLatencyMs: score !== null ? score.estimatedLatencyMs : x === null ? weighedEstimate(f, i) : null,
    pricePerHour: state === null ? null : state.pricePerHour,
    stateAgeMs,
  };
  // The weights model has no terms: its explanations keep their old shape (replays compare them whole).
  if (score === null) return base;
  const capAt = i * CAP_FIELDS;
  const cap = f.caps === null ? NaN : (f.caps[capAt + CAP] ?? NaN);
  const scoredPart = { ...base, terms: score.terms, scoreMs: score.scoreMs };
  const reserve = f.reserve?.[i] ?? 0;
  // Only where the snapshot carries inflow by origin, or the reserve moved a share (older explanations keep their shape).
  if (Number.isNaN(cap)) return reserve === 0 ? scoredPart : { ...scoredPart, reserveShare: reserve, reserveFrom: f.reserveFrom };
  const overflow = f.caps?.[capAt + OVERFLOW] ?? 0;
  const capPart = overflow > 0 ? { ...scoredPart, shareCap: cap, overflowShare: overflow } : { ...scoredPart, shareCap: cap };
  return reserve === 0 ? capPart : { ...capPart, reserveShare: reserve, reserveFrom: f.reserveFrom };
}
