import type { AppSnapshot, RequestFacts, StrategyName, Tier } from '../domain/types.ts';
import { type DecisionFrame, estimateAt, explainAll, probabilityAt, rowTier } from './explain.ts';
import type { JobPinNote } from './job-pin.ts';
import { summarize } from './summary.ts';
import { tierOf } from './tiers.ts';
import type { CandidateExplanation, DecideContext, Decision, DecisionHead, DecisionOutcome, Policy, ReasonCode } from './types.ts';

/** What decide() picked, as the lazy explanation needs it. */
export interface Picked {
  readonly strategy: StrategyName;
  readonly outcome: DecisionOutcome;
  readonly reason: ReasonCode;
  /** Candidate index of the chosen row, -1 when none. */
  readonly chosen: number;
  readonly eligible: number;
  readonly fallbacks: readonly string[];
  readonly pin: JobPinNote | null;
  /** ttft model (reason `fastest-predicted`): eligible candidates that scored better than the chosen one. */
  readonly scoredBetter: number;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Writes the head fields onto `w` in `DecisionHead` order (the order they serialise in). Field
 * by field, not from a head object: that object would be one more allocation per decision.
 */
function writeHead(w: Partial<Writable<DecisionHead>>, id: string, at: number, appId: string, fn: string, p: Picked, frame: DecisionFrame, stale: boolean, synthetic: boolean, policyVersion: string, seed: string): void {
  w.id = id;
  w.at = at;
  w.appId = appId;
  w.fn = fn;
  w.strategy = p.strategy;
  w.outcome = p.outcome;
  w.chosen = chosenId(frame, p);
  w.fallbacks = p.fallbacks;
  w.reason = p.reason;
  w.tier = chosenTier(frame, p);
  w.stale = stale;
  w.synthetic = synthetic;
  w.policyVersion = policyVersion;
  w.seed = seed;
}

type Extras = readonly (readonly [string, unknown])[];
const NO_EXTRAS: Extras = [];

// The head's fields are declared once, in `DecisionHead` (types.ts); the class adds the lazily
// built explanation. Merging is safe here: the constructor copies every head field.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
interface LazyDecision extends DecisionHead {}

/**
 * The decision, with `candidates` and `summary` as own enumerable getters that build (once)
 * from the frame: JSON, spreads and deep equality see, in the usual key order, exactly what
 * an eagerly built decision had. A class with the accessors defined on each instance (one
 * shared descriptor each, so every instance keeps one fast shape): an object literal with
 * getters allocates closures per decision and, profiled, kept young garbage alive across
 * scavenges (pauses of 5–60 ms).
 *
 * An annotated copy (`annotateDecision`) shares its origin's frame and built explanation, and
 * adds a summary prefix/suffix and fields after the explanation, as a spread would.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class LazyDecision {
  declare readonly candidates: readonly CandidateExplanation[];
  declare readonly summary: string;
  declare readonly jobPin?: JobPinNote;
  readonly #frame: DecisionFrame;
  readonly #picked: Picked;
  readonly #origin: LazyDecision | null;
  readonly #prefix: string;
  readonly #suffix: string;
  readonly #extras: Extras;
  #candidates: readonly CandidateExplanation[] | null = null;
  #summary: string | null = null;

  /** Then `writeHead`, then `finish`: the head fields come first in key order. */
  constructor(frame: DecisionFrame, p: Picked, origin: LazyDecision | null = null, prefix = '', suffix = '', extras: Extras = NO_EXTRAS) {
    this.#frame = frame;
    this.#picked = p;
    this.#origin = origin;
    this.#prefix = prefix;
    this.#suffix = suffix;
    this.#extras = extras;
  }

  /** Defines the explanation's getters and the notes after the head. */
  finish(): this {
    Object.defineProperty(this, 'candidates', LazyDecision.#candidatesProperty);
    Object.defineProperty(this, 'summary', LazyDecision.#summaryProperty);
    if (this.#picked.pin !== null) Object.defineProperty(this, 'jobPin', { value: this.#picked.pin, enumerable: true, writable: true, configurable: true });
    for (const [key, value] of this.#extras) Object.defineProperty(this, key, { value, enumerable: true, writable: true, configurable: true });
    return this;
  }

  static readonly #candidatesProperty: PropertyDescriptor = {
    get(this: LazyDecision): readonly CandidateExplanation[] {
      return (this.#candidates ??= this.#origin === null ? explainAll(this.#frame) : this.#origin.candidates);
    },
    enumerable: true,
    configurable: true,
  };

  static readonly #summaryProperty: PropertyDescriptor = {
    get(this: LazyDecision): string {
      if (this.#summary !== null) return this.#summary;
      const inner = this.#origin === null ? summaryOf(this.#frame, this.#picked, this.stale) : this.#origin.summary;
      return (this.#summary = this.#prefix === '' && this.#suffix === '' ? inner : `${this.#prefix}${inner}${this.#suffix}`);
    },
    enumerable: true,
    configurable: true,
  };

  static annotate(d: LazyDecision, prefix: string, suffix: string, extra: Readonly<Record<string, unknown>>): LazyDecision {
    const extras = [...d.#extras, ...Object.entries(extra)];
    const out = new LazyDecision(d.#frame, d.#picked, d, prefix, suffix, extras);
    writeHead(out, d.id, d.at, d.appId, d.fn, d.#picked, d.#frame, d.stale, d.synthetic, d.policyVersion, d.seed);
    return out.finish();
  }

  static glance(d: LazyDecision): DecisionGlance {
    const f = d.#frame;
    let eligible = 0;
    for (let i = 0; i < f.candidates.length; i++) if ((f.disqualifications[i] ?? []).length === 0) eligible++;
    const chosen = indexOfId(f, d.chosen);
    return { candidates: f.candidates.length, eligible, chosenEstimatedLatencyMs: chosenEstimateAt(f, chosen), chosenPricePerHour: chosenPriceAt(f, chosen) };
  }

  static is(d: Decision): d is Decision & LazyDecision {
    return d instanceof LazyDecision;
  }
}

/** A lazily explained decision (decide()'s default). */
export function lazyDecision(req: RequestFacts, snap: AppSnapshot, policy: Policy, ctx: DecideContext, frame: DecisionFrame, p: Picked): Decision {
  const d = new LazyDecision(frame, p);
  writeHead(d, ctx.decisionId, ctx.now, snap.app.id, req.fn, p, frame, ctx.staleSnapshot, req.synthetic, policy.version, ctx.seed);
  return d.finish();
}

/**
 * `{ ...d, ...extra, summary: prefix + d.summary + suffix }` — the same keys in the same order,
 * the same JSON — without building `d`'s explanation now: the copy builds it on first read
 * (shared with `d`). How a caller on the request path adds to a decision (the edge's rollout
 * and route, the proxy's in-region prefix) and leaves the explanation to the decision log.
 * `extra` must not name a Decision field that `d` already has.
 */
export function annotateDecision<E extends Readonly<Record<string, unknown>>>(d: Decision, prefix: string, suffix: string, extra: E): Decision & E {
  if (!LazyDecision.is(d)) return { ...d, ...extra, summary: `${prefix}${d.summary}${suffix}` };
  // The copy carries `extra`'s fields as own enumerable properties (defined in the constructor).
  return LazyDecision.annotate(d, prefix, suffix, extra) as unknown as Decision & E;
}

/** What a trace span or a header needs of an explanation, without building it. */
export interface DecisionGlance {
  /** Candidates considered (`candidates.length`). */
  readonly candidates: number;
  /** Candidates no hard filter disqualified. */
  readonly eligible: number;
  /** The chosen candidate's `estimatedLatencyMs` (null when none chosen or no estimate). */
  readonly chosenEstimatedLatencyMs: number | null;
  /** The chosen candidate's `pricePerHour` (null when none chosen or no state). */
  readonly chosenPricePerHour: number | null;
}

export function glanceAt(d: Decision): DecisionGlance {
  if (LazyDecision.is(d)) return LazyDecision.glance(d);
  const chosen = d.candidates.find((c) => c.clusterId === d.chosen);
  return {
    candidates: d.candidates.length,
    eligible: d.candidates.filter((c) => c.disqualifications.length === 0).length,
    chosenEstimatedLatencyMs: chosen?.estimatedLatencyMs ?? null,
    chosenPricePerHour: chosen?.pricePerHour ?? null,
  };
}

/** The first candidate row with id `id`, -1 when none (null: none chosen). */
export function indexOfId(f: DecisionFrame, id: string | null): number {
  for (let i = 0; i < f.candidates.length; i++) if (f.candidates[i]?.id === id) return i;
  return -1;
}

/** The glance's `chosenEstimatedLatencyMs` of row `i` (-1: none chosen). */
export function chosenEstimateAt(f: DecisionFrame, i: number): number | null {
  return i < 0 ? null : estimateAt(f, i);
}

/** The glance's `chosenPricePerHour` of row `i` (-1: none chosen). */
export function chosenPriceAt(f: DecisionFrame, i: number): number | null {
  const state = i < 0 ? null : (f.candidates[i]?.state ?? null);
  return state === null ? null : state.pricePerHour;
}

export function chosenId(frame: DecisionFrame, p: Picked): string | null {
  return p.chosen < 0 ? null : (frame.candidates[p.chosen]?.id ?? null);
}

function chosenTier(frame: DecisionFrame, p: Picked): Tier | null {
  const c = frame.candidates[p.chosen];
  return p.chosen < 0 || c === undefined ? null : rowTier(frame.disqualifications[p.chosen] ?? [], c.state);
}

/** Whether the chosen row is a full cluster admitted to queue: eligible, and its state offers no slot. */
function chosenQueues(frame: DecisionFrame, p: Picked): boolean {
  const c = frame.candidates[p.chosen];
  const s = c?.state ?? null;
  return p.outcome === 'routed' && s !== null && (frame.disqualifications[p.chosen] ?? []).length === 0 && tierOf(s) === null;
}

function summaryOf(frame: DecisionFrame, p: Picked, stale: boolean): string {
  const id = chosenId(frame, p);
  const chosen =
    id === null
      ? null
      : { id, tier: chosenTier(frame, p), probability: probabilityAt(frame, p.chosen), disqualifications: frame.disqualifications[p.chosen] ?? [], queues: chosenQueues(frame, p), scoredBetter: p.scoredBetter };
  const line = summarize(p.outcome, p.reason, p.strategy, chosen, p.eligible, frame.candidates, frame.disqualifications, stale);
  return p.pin === null ? line : `${line}; ${p.pin.detail}`;
}

