/**
 * Re-runs recorded decisions through the real decide() with an altered policy
 * and/or strategy — same snapshot, same `now`, same seed — and accumulates what
 * changed: moved decisions, traffic per region/provider/cluster, independent
 * constraint violations, estimated latency and cost. With nothing altered every
 * decision must come out identical; `identical` counts that.
 */
import type { AppSnapshot, StrategyName } from '../../shared/domain/types.ts';
import type { Policy, StrategyState } from '../../shared/decision/types.ts';
import { violationsOf, type ViolationCode } from '../constraints.ts';
import type { DecisionRecord } from '../decision-record.ts';
import { type ChosenBrief, chosenBriefOf, decide, decideChosen, newStrategyState, seededRng, withNotesOf } from '../decision-port.ts';
import { quantileOf } from '../stats/histogram.ts';
import { OwnerMemo } from '../../shared/caching/owner-memo.ts';
import { withoutTimeSources } from '../../shared/decision/time-sources.ts';
import { CanaryReplay, type CanaryReplayReport } from './canary-replay.ts';
import { briefOf, type DecisionBrief, type ReplayRecord } from './lazy-record.ts';
import { addExact, exactValue, mergeExact, type ExactSum } from './exact-sum.ts';
import { concatNumbers, numberList, numbersOf, pushNumber, type NumberList } from './number-list.ts';

export interface ReplayOptions {
  /** Replace every record's policy (null: keep each record's own). */
  readonly policy: Policy | null;
  /** Force this strategy on every app (null: keep the app's own). */
  readonly strategy: StrategyName | null;
  /** Duration assumed for cost when a decision has no recorded outcome. */
  readonly assumedDurationMs: number;
  /** Compare whole decisions (not only the chosen cluster) to prove exact reproduction. */
  readonly verify: boolean;
  /** Where `policy` came from (the --policy file), for the report's heading. */
  readonly policySource?: string;
}

type Counts = Record<string, number>;
export interface LatencySummary {
  readonly count: number;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface ReplayReport {
  readonly kind: 'replay';
  readonly records: number;
  readonly moved: number;
  readonly movedShare: number;
  /** Decisions equal in every field to the recorded one (only when verifying). */
  readonly identical: number | null;
  readonly firstDifference: string | null;
  readonly outcomes: { readonly before: Counts; readonly after: Counts };
  readonly traffic: {
    readonly region: { readonly before: Counts; readonly after: Counts };
    readonly provider: { readonly before: Counts; readonly after: Counts };
    readonly cluster: { readonly before: Counts; readonly after: Counts };
  };
  readonly violations: { readonly before: Counts; readonly after: Counts; readonly afterTotal: number };
  readonly latency: {
    /** The chosen candidate's estimatedLatencyMs, as the pipeline saw it. */
    readonly estimatedBefore: LatencySummary;
    readonly estimatedAfter: LatencySummary;
    /** Measured TTFB from the `outcomes` table (recorded choices only). */
    readonly recordedTtfb: LatencySummary;
    /** Measured TTFB of decisions that do not move (their outcome still applies). */
    readonly recordedTtfbUnmoved: LatencySummary;
  };
  readonly cost: { readonly before: number; readonly after: number; readonly assumedDurationMs: number; readonly withRecordedDuration: number };
  /** Per time bucket: decisions and moved decisions (for the report's chart). */
  readonly series: { readonly bucketMs: number; readonly startAt: number; readonly total: readonly number[]; readonly moved: readonly number[] };
  readonly policyVersion: string | null;
  /** The file the altered policy was read from (null: none named). */
  readonly policySource: string | null;
  /**
   * Decisions per ranking model before and after (ttft: estimates are predicted time to first
   * token; weights: network latency only), so old-vs-new comparisons say what they compare.
   */
  readonly models: { readonly before: Counts; readonly after: Counts };
  readonly strategy: string | null;
  /** Policy-canary records: both policies' decisions re-run side by side (null: none in the input). */
  readonly canary: CanaryReplayReport | null;
  readonly wallMs: number;
  readonly decisionsPerSecond: number;
}

const SERIES = 48;
/** Everything an accumulator has folded in, as plain data: worker threads send it back and `mergePartials` adds them up. */
export interface ReplayPartial {
  n: number;
  moved: number;
  identical: number;
  firstDifference: string | null;
  firstDifferenceAt: number;
  readonly outcomes: { readonly before: Counts; readonly after: Counts };
  readonly models: { readonly before: Counts; readonly after: Counts };
  readonly region: { readonly before: Counts; readonly after: Counts };
  readonly provider: { readonly before: Counts; readonly after: Counts };
  readonly cluster: { readonly before: Counts; readonly after: Counts };
  readonly violations: { readonly before: Counts; readonly after: Counts };
  afterViolations: number;
  readonly estBefore: NumberList;
  readonly estAfter: NumberList;
  readonly ttfb: NumberList;
  readonly ttfbUnmoved: NumberList;
  /** Cost before and after as exact sums (`exact-sum.ts`): the same total however records are split over threads. */
  readonly costBefore: ExactSum;
  readonly costAfter: ExactSum;
  withDuration: number;
  // Parallel lists of unboxed doubles, not tuples: a long replay allocates nothing per record here.
  readonly pointAt: NumberList;
  readonly pointMoved: NumberList;
}

/** A partial's number lists (a thread posts their buffers back; `mergePartials` appends them). */
export const NUMBER_LISTS = ['estBefore', 'estAfter', 'ttfb', 'ttfbUnmoved', 'pointAt', 'pointMoved'] as const;

function emptyPartial(): ReplayPartial {
  const pair = (): { before: Counts; after: Counts } => ({ before: {}, after: {} });
  return {
    n: 0,
    moved: 0,
    identical: 0,
    firstDifference: null,
    firstDifferenceAt: Infinity,
    outcomes: pair(),
    models: pair(),
    region: pair(),
    provider: pair(),
    cluster: pair(),
    violations: pair(),
    afterViolations: 0,
    estBefore: numberList(),
    estAfter: numberList(),
    ttfb: numberList(),
    ttfbUnmoved: numberList(),
    costBefore: [],
    costAfter: [],
    withDuration: 0,
    pointAt: numberList(),
    pointMoved: numberList(),
  };
}

export class ReplayAccumulator {
  private readonly p: ReplayPartial = emptyPartial();
  private readonly states = new Map<string, StrategyState>();
  private readonly canary = new CanaryReplay();
  // On the snapshot itself, not in a WeakMap, whose entries V8's minor GC keeps (owner-memo.ts).
  private readonly overridden = new OwnerMemo<AppSnapshot, AppSnapshot>('strategy override');
  private readonly started = performance.now();

  constructor(private readonly opts: ReplayOptions) {}

  /**
   * Re-run one record and fold the comparison into the totals; returns the re-run's chosen
   * cluster and numbers. `index` is the record's position in its source (default: how many were
   * added before; a file's threads pass its byte offset), so the first difference is the same
   * whichever thread met it. Without `verify` the re-run builds no Decision (`decideChosen`),
   * let alone its explanation, and the recorded side is read from the record's brief when a
   * fast reader gave one, so its explanation is never parsed either.
   */
  add(r: ReplayRecord, index = this.p.n): ChosenBrief {
    const { input } = r;
    const verify = this.opts.verify;
    const before: DecisionBrief = !verify && r.brief !== undefined ? r.brief : briefOf(r.decision);
    const policy = this.opts.policy ?? input.policy;
    const snapshot = this.opts.strategy === null ? input.snapshot : this.withStrategy(input.snapshot, this.opts.strategy);
    const ctx = {
      now: input.now,
      rng: seededRng(input.seed),
      seed: input.seed,
      decisionId: before.id,
      staleSnapshot: input.staleSnapshot,
      strategyState: this.stateFor(input.request.appId, r),
    };
    // Only `verify` compares whole decisions; the totals need the chosen cluster and its numbers.
    const decision = verify ? decide(input.request, snapshot, policy, ctx) : null;
    const after = decision === null ? decideChosen(input.request, snapshot, policy, ctx) : chosenBriefOf(decision);
    if (r.canary !== undefined && r.canary !== null) this.canary.add(input, before, r.canary);
    const p = this.p;
    p.n++;
    bump(p.models.before, input.policy.model);
    bump(p.models.after, policy.model);
    const moved = after.chosen !== before.chosen;
    if (moved) p.moved++;
    if (decision !== null) {
      // The recorded decision carries its maker's notes (in-region, rollout, route): add them back.
      if (deepEqual(withNotesOf(decision, r.decision, input.origin), r.decision, RECORDED)) p.identical++;
      else if (index < p.firstDifferenceAt) {
        p.firstDifferenceAt = index;
        p.firstDifference = `${before.id}: recorded ${before.chosen ?? 'none'} (${r.decision.summary}) vs replayed ${decision.chosen ?? 'none'} (${decision.summary})`;
      }
    }
    pushNumber(p.pointAt, before.at);
    pushNumber(p.pointMoved, moved ? 1 : 0);
    bump(p.outcomes.before, before.outcome);
    bump(p.outcomes.after, after.outcome);
    this.traffic(before.chosen, 'before', input.snapshot);
    this.traffic(after.chosen, 'after', input.snapshot);
    const continent = input.request.client.continent;
    for (const v of violationsOf(before, input.snapshot, continent, policy, input.now)) bump(p.violations.before, v);
    const va: ViolationCode[] = violationsOf(after, input.snapshot, continent, policy, input.now);
    for (const v of va) bump(p.violations.after, v);
    if (va.length > 0) p.afterViolations++;
    if (before.chosenLatencyMs !== null) pushNumber(p.estBefore, before.chosenLatencyMs);
    if (after.chosenEstimatedLatencyMs !== null) pushNumber(p.estAfter, after.chosenEstimatedLatencyMs);
    const outcome = r.outcomes.find((o) => o.ttfbMs !== null) ?? r.outcomes[0];
    if (outcome?.ttfbMs !== undefined && outcome.ttfbMs !== null) {
      pushNumber(p.ttfb, outcome.ttfbMs);
      if (!moved) pushNumber(p.ttfbUnmoved, outcome.ttfbMs);
    }
    const durationMs = outcome?.durationMs ?? this.opts.assumedDurationMs;
    if (outcome !== undefined) p.withDuration++;
    addExact(p.costBefore, costOf(before.chosenPricePerHour, durationMs));
    addExact(p.costAfter, costOf(after.chosenPricePerHour, durationMs));
    return after;
  }

  /** The totals so far as plain data (for `mergePartials`). */
  partial(): ReplayPartial {
    return this.p;
  }

  report(): ReplayReport {
    return reportOf(this.p, this.opts, performance.now() - this.started, this.canary.report());
  }

  /** One overridden copy per recorded snapshot object, so decide()'s per-snapshot compile cache still hits. */
  private withStrategy(snap: AppSnapshot, strategy: StrategyName): AppSnapshot {
    let copy = this.overridden.get(snap);
    if (copy === undefined) {
      copy = { ...snap, app: { ...snap.app, strategy } };
      this.overridden.set(snap, copy);
    }
    return copy;
  }

  /** Classic strategies keep state between decisions: one per app, seeded from the record when it carries it. */
  private stateFor(appId: string, r: DecisionRecord): StrategyState {
    if (r.input.strategyState !== undefined && this.opts.strategy === null) return cloneState(r.input.strategyState);
    let s = this.states.get(appId);
    if (s === undefined) {
      s = newStrategyState();
      this.states.set(appId, s);
    }
    return s;
  }

  private traffic(chosen: string | null, side: 'before' | 'after', snap: DecisionRecord['input']['snapshot']): void {
    if (chosen === null) return;
    const c = snap.clusters.get(chosen);
    bump(this.p.cluster[side], chosen);
    bump(this.p.region[side], c?.region ?? 'unknown');
    bump(this.p.provider[side], c?.provider ?? 'unknown');
  }
}

/** Adds up partials (from worker threads) into one; the result does not depend on how records were split. */
export function mergePartials(parts: readonly ReplayPartial[]): ReplayPartial {
  const m = { ...emptyPartial(), ...listsOf(parts) };
  for (const p of parts) {
    m.n += p.n;
    m.moved += p.moved;
    m.identical += p.identical;
    if (p.firstDifferenceAt < m.firstDifferenceAt) {
      m.firstDifferenceAt = p.firstDifferenceAt;
      m.firstDifference = p.firstDifference;
    }
    for (const k of ['outcomes', 'models', 'region', 'provider', 'cluster', 'violations'] as const) {
      addCounts(m[k].before, p[k].before);
      addCounts(m[k].after, p[k].after);
    }
    m.afterViolations += p.afterViolations;
    mergeExact(m.costBefore, p.costBefore);
    mergeExact(m.costAfter, p.costAfter);
    m.withDuration += p.withDuration;
  }
  return m;
}

/** Each number list of every partial, in the partials' order. */
function listsOf(parts: readonly ReplayPartial[]): Pick<ReplayPartial, (typeof NUMBER_LISTS)[number]> {
  const of = (k: (typeof NUMBER_LISTS)[number]): NumberList => concatNumbers(parts.map((p) => p[k]));
  return { estBefore: of('estBefore'), estAfter: of('estAfter'), ttfb: of('ttfb'), ttfbUnmoved: of('ttfbUnmoved'), pointAt: of('pointAt'), pointMoved: of('pointMoved') };
}

function addCounts(into: Counts, from: Counts): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Counts with sorted keys, so a report reads the same however the records were split. */
function sorted(c: Counts): Counts {
  const out: Counts = {};
  for (const k of Object.keys(c).sort()) out[k] = c[k] ?? 0;
  return out;
}

function sortedPair(p: { readonly before: Counts; readonly after: Counts }): { before: Counts; after: Counts } {
  return { before: sorted(p.before), after: sorted(p.after) };
}

export function reportOf(p: ReplayPartial, opts: ReplayOptions, wallMs: number, canary: CanaryReplayReport | null = null): ReplayReport {
  const ats = numbersOf(p.pointAt);
  const moves = numbersOf(p.pointMoved);
  let lo = Infinity;
  let hi = -Infinity;
  for (const at of ats) {
    lo = Math.min(lo, at);
    hi = Math.max(hi, at);
  }
  const bucketMs = Number.isFinite(lo) ? Math.max(1, Math.ceil((hi - lo + 1) / SERIES)) : 1;
  const total = new Array<number>(SERIES).fill(0);
  const moved = new Array<number>(SERIES).fill(0);
  for (let i = 0; i < ats.length; i++) {
    const b = Math.min(SERIES - 1, Math.floor(((ats[i] as number) - lo) / bucketMs));
    total[b] = (total[b] ?? 0) + 1;
    moved[b] = (moved[b] ?? 0) + (moves[i] ?? 0);
  }
  const costBefore = exactValue(p.costBefore);
  const costAfter = exactValue(p.costAfter);
  return {
    kind: 'replay',
    records: p.n,
    moved: p.moved,
    movedShare: p.n === 0 ? 0 : p.moved / p.n,
    identical: opts.verify ? p.identical : null,
    firstDifference: p.firstDifference,
    outcomes: sortedPair(p.outcomes),
    traffic: { region: sortedPair(p.region), provider: sortedPair(p.provider), cluster: sortedPair(p.cluster) },
    violations: { ...sortedPair(p.violations), afterTotal: p.afterViolations },
    latency: {
      estimatedBefore: summarize(p.estBefore),
      estimatedAfter: summarize(p.estAfter),
      recordedTtfb: summarize(p.ttfb),
      recordedTtfbUnmoved: summarize(p.ttfbUnmoved),
    },
    cost: {
      before: round4(costBefore),
      after: round4(costAfter),
      assumedDurationMs: opts.assumedDurationMs,
      withRecordedDuration: p.withDuration,
    },
    series: { bucketMs, startAt: Number.isFinite(lo) ? lo : 0, total, moved },
    policyVersion: opts.policy?.version ?? null,
    policySource: opts.policy === null ? null : (opts.policySource ?? null),
    models: sortedPair(p.models),
    strategy: opts.strategy,
    canary,
    wallMs: Math.round(wallMs),
    decisionsPerSecond: wallMs > 0 ? Math.round((p.n / wallMs) * 1000) : 0,
  };
}

/** GPU spend of one request: the chosen cluster's price per hour × its duration. */
function costOf(price: number | null, durationMs: number): number {
  return price === null ? 0 : (price * durationMs) / 3_600_000;
}

function cloneState(s: StrategyState): StrategyState {
  return { roundRobinCursor: s.roundRobinCursor, outstanding: new Map(s.outstanding) };
}

/** What a comparison of a replayed decision with a recorded one lets pass. */
export interface Tolerance {
  /** Keys of `a` (the replay) a recorded `b` may lack: fields added after it was logged. */
  readonly addedSince: ReadonlySet<string>;
  /** Keys whose string values count as the same when this says so (wording later builds added). */
  readonly sameText: Readonly<Record<string, (a: string, b: string) => boolean>>;
}

const EXACT: Tolerance = { addedSince: new Set(), sameText: {} };

/**
 * A recorded decision against its replay: a log from before `reserveFrom` still verifies, and a
 * term's `detail` that differs only in the time sources later builds name (session 49,
 * time-sources.ts) is the same. Any other difference, a number above all, still counts.
 */
const RECORDED: Tolerance = {
  addedSince: new Set(['reserveFrom']),
  sameText: { detail: (a, b) => withoutTimeSources(a) === withoutTimeSources(b) },
};

/** Structural equality of JSON-shaped values (what a Decision is), without serialising both sides. */
export function deepEqual(a: unknown, b: unknown, tolerance: Tolerance = EXACT): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i], tolerance)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let n = 0;
  for (const k in ra) {
    if (ra[k] === undefined || (rb[k] === undefined && tolerance.addedSince.has(k))) continue;
    n++;
    if (!deepEqual(ra[k], rb[k], tolerance) && !sameText(tolerance, k, ra[k], rb[k])) return false;
  }
  for (const k in rb) if (rb[k] !== undefined) n--;
  return n === 0;
}

function sameText(tolerance: Tolerance, key: string, a: unknown, b: unknown): boolean {
  const same = tolerance.sameText[key];
  return same !== undefined && typeof a === 'string' && typeof b === 'string' && same(a, b);
}

function bump(c: Counts, k: string): void {
  c[k] = (c[k] ?? 0) + 1;
}

function summarize(list: NumberList): LatencySummary {
  if (list.n === 0) return { count: 0, mean: null, p50: null, p95: null, p99: null };
  // A typed array's numeric sort, not sort() with a comparator: the same ascending order, and
  // ~10x faster over 200k latencies (a comparator sort of the four lists was ~4 % of a replay's CPU,
  // run on one thread after every thread has finished). In place: the order means nothing to the
  // totals, and a copy of each list cost a page fault per 4 KB.
  const s = numbersOf(list).sort();
  let sum = 0;
  for (const x of s) sum += x;
  const mean = sum / s.length;
  return { count: s.length, mean: round4(mean), p50: quantileOf(s, 0.5), p95: quantileOf(s, 0.95), p99: quantileOf(s, 0.99) };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Replay a whole collection. */
export function replayAll(records: Iterable<DecisionRecord>, opts: ReplayOptions): ReplayReport {
  const acc = new ReplayAccumulator(opts);
  for (const r of records) acc.add(r);
  return acc.report();
}
