/**
 * Re-runs recorded decisions through the real decide() with an altered policy
 * and/or strategy — same snapshot, same `now`, same seed — and accumulates what
 * changed: moved decisions, traffic per region/provider/cluster, independent
 * constraint violations, estimated latency and cost. With nothing altered every
 * decision must come out identical; `identical` counts that.
 */
import type { AppSnapshot, StrategyName } from '../../shared/domain/types.ts';
import type { Decision, Policy, StrategyState } from '../../shared/decision/types.ts';
import { violationsOf, type ViolationCode } from '../constraints.ts';
import type { DecisionRecord } from '../decision-record.ts';
import { decide, newStrategyState, seededRng } from '../decision-port.ts';
import { quantileOf } from '../stats/histogram.ts';

export interface ReplayOptions {
  /** Replace every record's policy (null: keep each record's own). */
  readonly policy: Policy | null;
  /** Force this strategy on every app (null: keep the app's own). */
  readonly strategy: StrategyName | null;
  /** Duration assumed for cost when a decision has no recorded outcome. */
  readonly assumedDurationMs: number;
  /** Compare whole decisions (not only the chosen cluster) to prove exact reproduction. */
  readonly verify: boolean;
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
  /**
   * Decisions per ranking model before and after (ttft: estimates are predicted time to first
   * token; weights: network latency only), so old-vs-new comparisons say what they compare.
   */
  readonly models: { readonly before: Counts; readonly after: Counts };
  readonly strategy: string | null;
  readonly wallMs: number;
  readonly decisionsPerSecond: number;
}

const SERIES = 48;

export class ReplayAccumulator {
  private n = 0;
  private moved = 0;
  private identical = 0;
  private firstDifference: string | null = null;
  private readonly outcomes = { before: {} as Counts, after: {} as Counts };
  private readonly models = { before: {} as Counts, after: {} as Counts };
  private readonly region = { before: {} as Counts, after: {} as Counts };
  private readonly provider = { before: {} as Counts, after: {} as Counts };
  private readonly cluster = { before: {} as Counts, after: {} as Counts };
  private readonly violations = { before: {} as Counts, after: {} as Counts };
  private afterViolations = 0;
  private readonly estBefore: number[] = [];
  private readonly estAfter: number[] = [];
  private readonly ttfb: number[] = [];
  private readonly ttfbUnmoved: number[] = [];
  private costBefore = 0;
  private costAfter = 0;
  private withDuration = 0;
  // Parallel number arrays (unboxed doubles), not tuples: a long replay allocates nothing per record here.
  private readonly pointAt: number[] = [];
  private readonly pointMoved: number[] = [];
  private readonly states = new Map<string, StrategyState>();
  private readonly overridden = new WeakMap<AppSnapshot, AppSnapshot>();
  private readonly started = performance.now();

  constructor(private readonly opts: ReplayOptions) {}

  /** Re-run one record and fold the comparison into the totals; returns the new decision. */
  add(r: DecisionRecord): Decision {
    const { input, decision: before } = r;
    const policy = this.opts.policy ?? input.policy;
    const snapshot = this.opts.strategy === null ? input.snapshot : this.withStrategy(input.snapshot, this.opts.strategy);
    const after = decide(input.request, snapshot, policy, {
      now: input.now,
      rng: seededRng(input.seed),
      seed: input.seed,
      decisionId: before.id,
      staleSnapshot: input.staleSnapshot,
      strategyState: this.stateFor(input.request.appId, r),
    });
    this.n++;
    bump(this.models.before, input.policy.model);
    bump(this.models.after, policy.model);
    const moved = after.chosen !== before.chosen;
    if (moved) this.moved++;
    if (this.opts.verify) {
      if (deepEqual(after, before)) this.identical++;
      else this.firstDifference ??= `${before.id}: recorded ${before.chosen ?? 'none'} (${before.summary}) vs replayed ${after.chosen ?? 'none'} (${after.summary})`;
    }
    this.pointAt.push(before.at);
    this.pointMoved.push(moved ? 1 : 0);
    bump(this.outcomes.before, before.outcome);
    bump(this.outcomes.after, after.outcome);
    this.traffic(before, 'before', input.snapshot);
    this.traffic(after, 'after', input.snapshot);
    const continent = input.request.client.continent;
    for (const v of violationsOf(before, input.snapshot, continent, policy, input.now)) bump(this.violations.before, v);
    const va: ViolationCode[] = violationsOf(after, input.snapshot, continent, policy, input.now);
    for (const v of va) bump(this.violations.after, v);
    if (va.length > 0) this.afterViolations++;
    const eb = chosenOf(before)?.estimatedLatencyMs;
    const ea = chosenOf(after)?.estimatedLatencyMs;
    if (eb !== undefined && eb !== null) this.estBefore.push(eb);
    if (ea !== undefined && ea !== null) this.estAfter.push(ea);
    const outcome = r.outcomes.find((o) => o.ttfbMs !== null) ?? r.outcomes[0];
    if (outcome?.ttfbMs !== undefined && outcome.ttfbMs !== null) {
      this.ttfb.push(outcome.ttfbMs);
      if (!moved) this.ttfbUnmoved.push(outcome.ttfbMs);
    }
    const durationMs = outcome?.durationMs ?? this.opts.assumedDurationMs;
    if (outcome !== undefined) this.withDuration++;
    this.costBefore += costOf(before, durationMs);
    this.costAfter += costOf(after, durationMs);
    return after;
  }

  report(): ReplayReport {
    const wallMs = performance.now() - this.started;
    let lo = Infinity;
    let hi = -Infinity;
    for (const at of this.pointAt) {
      lo = Math.min(lo, at);
      hi = Math.max(hi, at);
    }
    const bucketMs = Number.isFinite(lo) ? Math.max(1, Math.ceil((hi - lo + 1) / SERIES)) : 1;
    const total = new Array<number>(SERIES).fill(0);
    const moved = new Array<number>(SERIES).fill(0);
    this.pointAt.forEach((at, i) => {
      const b = Math.min(SERIES - 1, Math.floor((at - lo) / bucketMs));
      total[b] = (total[b] ?? 0) + 1;
      moved[b] = (moved[b] ?? 0) + (this.pointMoved[i] ?? 0);
    });
    return {
      kind: 'replay',
      records: this.n,
      moved: this.moved,
      movedShare: this.n === 0 ? 0 : this.moved / this.n,
      identical: this.opts.verify ? this.identical : null,
      firstDifference: this.firstDifference,
      outcomes: this.outcomes,
      traffic: { region: this.region, provider: this.provider, cluster: this.cluster },
      violations: { ...this.violations, afterTotal: this.afterViolations },
      latency: {
        estimatedBefore: summarize(this.estBefore),
        estimatedAfter: summarize(this.estAfter),
        recordedTtfb: summarize(this.ttfb),
        recordedTtfbUnmoved: summarize(this.ttfbUnmoved),
      },
      cost: {
        before: round4(this.costBefore),
        after: round4(this.costAfter),
        assumedDurationMs: this.opts.assumedDurationMs,
        withRecordedDuration: this.withDuration,
      },
      series: { bucketMs, startAt: Number.isFinite(lo) ? lo : 0, total, moved },
      policyVersion: this.opts.policy?.version ?? null,
      models: this.models,
      strategy: this.opts.strategy,
      wallMs: Math.round(wallMs),
      decisionsPerSecond: wallMs > 0 ? Math.round((this.n / wallMs) * 1000) : 0,
    };
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

  private traffic(d: Decision, side: 'before' | 'after', snap: DecisionRecord['input']['snapshot']): void {
    if (d.chosen === null) return;
    const c = snap.clusters.get(d.chosen);
    bump(this.cluster[side], d.chosen);
    bump(this.region[side], c?.region ?? 'unknown');
    bump(this.provider[side], c?.provider ?? 'unknown');
  }
}

function chosenOf(d: Decision): Decision['candidates'][number] | undefined {
  return d.candidates.find((c) => c.clusterId === d.chosen);
}

/** GPU spend of one request: the chosen cluster's price per hour × its duration. */
function costOf(d: Decision, durationMs: number): number {
  const price = chosenOf(d)?.pricePerHour ?? null;
  return price === null ? 0 : (price * durationMs) / 3_600_000;
}

function cloneState(s: StrategyState): StrategyState {
  return { roundRobinCursor: s.roundRobinCursor, outstanding: new Map(s.outstanding) };
}

/** Structural equality of JSON-shaped values (what a Decision is), without serialising both sides. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let n = 0;
  for (const k in ra) {
    if (ra[k] === undefined) continue;
    n++;
    if (!deepEqual(ra[k], rb[k])) return false;
  }
  for (const k in rb) if (rb[k] !== undefined) n--;
  return n === 0;
}

function bump(c: Counts, k: string): void {
  c[k] = (c[k] ?? 0) + 1;
}

function summarize(xs: number[]): LatencySummary {
  if (xs.length === 0) return { count: 0, mean: null, p50: null, p95: null, p99: null };
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
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
