import type { ClusterAppState } from '../domain/types.ts';
import type { CompiledCandidate, CompiledSnapshot } from './compile-snapshot.ts';
import { type ExpMemo, newExpMemo } from './exp-memo.ts';
import { ownRttUsable } from './latency-estimate.ts';
import {
  busyShare,
  networkTerm,
  priceTerm,
  queueTerm,
  queueTermMs,
  sourcesOf,
  startupTerm,
  timingsOf,
  uncertaintyTerm,
} from './ttft-terms.ts';
import type { Policy, TtftTerm } from './types.ts';
import { OwnerMemo } from '../caching/owner-memo.ts';

/**
 * Thin memo around whole ttft terms. For one snapshot a term depends only on
 * inputs that repeat across most requests (the client's location, the state's
 * age in AGE_STEP_MS steps, the cheapest eligible price), so each is computed
 * and formatted once per distinct input. Entries are keyed by every input the
 * term reads: a memo never changes a result.
 *
 * Each memo also keeps its terms' ms in a Float64Array (NaN: not computed), which the
 * scoring path reads (`*MsFor`): scoring needs only the numbers, and a typed-array read
 * costs less than fetching a term object and loading its `ms` (term objects come in a few
 * shapes). The objects are built on the same miss, so both always hold the same term.
 */

/** The memo of one (snapshot, policy): fetch once per decision with `termTable`. */
export interface TermTable {
  readonly policy: Policy;
  /** The age step `queueMs` holds, and the one the `queue` term (with its detail) was built for. */
  readonly queueAge: Float64Array;
  readonly queueTermAge: Float64Array;
  readonly queue: (TtftTerm | undefined)[];
  readonly uncertaintyAge: Float64Array;
  readonly uncertainty: (TtftTerm | undefined)[];
  readonly startup: (TtftTerm | undefined)[];
  priceCheapest: number;
  readonly price: (TtftTerm | undefined)[];
  /** The `ms` of the terms above, per candidate (NaN: not computed). */
  readonly queueMs: Float64Array;
  readonly uncertaintyMs: Float64Array;
  readonly startupMs: Float64Array;
  readonly priceMs: Float64Array;
  /** The pick's exp memo for clients of unknown location (`expMemoFor`). */
  readonly exps: ExpMemo;
}

const tables = new OwnerMemo<CompiledSnapshot, TermTable>('term table');

export function termTable(compiled: CompiledSnapshot, policy: Policy): TermTable {
  let t = tables.get(compiled);
  if (t === undefined || t.policy !== policy) {
    const n = compiled.candidates.length;
    t = {
      policy,
      queueAge: new Float64Array(n).fill(NaN),
      queueTermAge: new Float64Array(n).fill(NaN),
      queue: new Array<TtftTerm | undefined>(n),
      uncertaintyAge: new Float64Array(n).fill(NaN),
      uncertainty: new Array<TtftTerm | undefined>(n),
      startup: new Array<TtftTerm | undefined>(n),
      priceCheapest: NaN,
      price: new Array<TtftTerm | undefined>(n),
      queueMs: new Float64Array(n).fill(NaN),
      uncertaintyMs: new Float64Array(n).fill(NaN),
      startupMs: new Float64Array(n).fill(NaN),
      priceMs: new Float64Array(n).fill(NaN),
      exps: newExpMemo(n),
    };
    tables.set(compiled, t);
  }
  return t;
}

/** `queueTerm` for `c` (whose state row is `s`) with that state `ageStepMs` old (its explanation). */
export function queueFor(
  t: TermTable,
  c: CompiledCandidate,
  s: ClusterAppState,
  ageStepMs: number,
): TtftTerm {
  const policy = t.policy;
  const hit = t.queue[c.index];
  if (hit !== undefined && t.queueTermAge[c.index] === ageStepMs) return hit;
  const tm = timingsOf(s, policy.ttft);
  const term = queueTerm(
    s,
    ageStepMs,
    tm.serviceMs,
    tm.warmStartMs,
    tm.coldStartMs,
    tm.queueWaitMs,
    sourcesOf(s),
  );
  t.queue[c.index] = term;
  t.queueTermAge[c.index] = ageStepMs;
  t.queueMs[c.index] = term.ms;
  t.queueAge[c.index] = ageStepMs;
  return term;
}

/**
 * `queueFor(…).ms`, without building the term: the age step changes with every few
 * decisions, and its detail text was most of what scoring allocated per candidate.
 */
export function queueMsFor(t: TermTable, c: CompiledCandidate, s: ClusterAppState, ageStepMs: number): number {
  // queueAge is set only together with queueMs (NaN never matches).
  if (t.queueAge[c.index] === ageStepMs) return t.queueMs[c.index] as number;
  const tm = timingsOf(s, t.policy.ttft);
  const ms = queueTermMs(s, ageStepMs, tm.serviceMs, tm.warmStartMs, tm.coldStartMs, tm.queueWaitMs);
  t.queueMs[c.index] = ms;
  t.queueAge[c.index] = ageStepMs;
  return ms;
}

/** `startupTerm` for `c` (fixed by the snapshot). */
export function startupFor(t: TermTable, c: CompiledCandidate, s: ClusterAppState): TtftTerm {
  const policy = t.policy;
  let term = t.startup[c.index];
  if (term === undefined) {
    const tm = timingsOf(s, policy.ttft);
    term = startupTerm(s, tm.warmStartMs, tm.coldStartMs, sourcesOf(s));
    t.startup[c.index] = term;
    t.startupMs[c.index] = term.ms;
  }
  return term;
}

/** `startupFor(…).ms`. */
export function startupMsFor(t: TermTable, c: CompiledCandidate, s: ClusterAppState): number {
  const ms = t.startupMs[c.index] as number;
  return ms === ms ? ms : startupFor(t, c, s).ms;
}

/** `priceTerm` for `c` against this decision's cheapest eligible marginal price. */
export function priceFor(t: TermTable, c: CompiledCandidate, cheapest: number): TtftTerm {
  const policy = t.policy;
  if (t.priceCheapest !== cheapest) resetPrices(t, cheapest);
  let term = t.price[c.index];
  if (term === undefined) {
    const st = c.state;
    term =
      st === null
        ? priceTerm(0, 1, cheapest, policy.ttft.usdPerGpuHourPerMs, c.priceLabel)
        : priceTerm(
            st.pricePerHour,
            busyShare(st),
            cheapest,
            policy.ttft.usdPerGpuHourPerMs,
            c.priceLabel,
          );
    t.price[c.index] = term;
    t.priceMs[c.index] = term.ms;
  }
  return term;
}

/** `priceFor(…).ms`. */
export function priceMsFor(t: TermTable, c: CompiledCandidate, cheapest: number): number {
  if (t.priceCheapest !== cheapest) resetPrices(t, cheapest);
  const ms = t.priceMs[c.index] as number;
  return ms === ms ? ms : priceFor(t, c, cheapest).ms;
}

function resetPrices(t: TermTable, cheapest: number): void {
  t.price.fill(undefined);
  t.priceMs.fill(NaN);
  t.priceCheapest = cheapest;
}

interface NetworkTable {
  readonly policy: Policy;
  // Two slots per candidate: [own-proxy RTT usable, geo model only].
  readonly terms: (TtftTerm | undefined)[];
  /** The terms' ms, same slots (NaN: not computed). */
  readonly ms: Float64Array;
  /** The pick's exp memo for this client location (`expMemoFor`). */
  readonly exps: ExpMemo;
}

const networkTables = new OwnerMemo<Float64Array, NetworkTable>('network table');

// The table of the last client looked up: every candidate of a decision asks for the same one,
// so one identity check replaces a memo lookup per candidate. Holds one geo RTT array alive.
let lastTable: NetworkTable | null = null;
let lastRtts: Float64Array | null = null;

function networkTableOf(rtts: Float64Array, policy: Policy): NetworkTable {
  if (lastRtts === rtts && lastTable !== null && lastTable.policy === policy) return lastTable;
  let t = networkTables.get(rtts);
  if (t === undefined || t.policy !== policy) {
    t = {
      policy,
      terms: new Array<TtftTerm | undefined>(rtts.length * 2),
      ms: new Float64Array(rtts.length * 2).fill(NaN),
      exps: newExpMemo(rtts.length),
    };
    networkTables.set(rtts, t);
  }
  lastRtts = rtts;
  lastTable = t;
  return t;
}

/**
 * The exp memo (`exp-memo.ts`) for a decision on `t`'s snapshot from the client whose modelled
 * RTTs are `geo` (null: location unknown). One per snapshot and location because that is where
 * the pick's exp arguments repeat; any memo would give the same results (keyed by the argument).
 */
export function expMemoFor(t: TermTable, geo: Float64Array | null): ExpMemo {
  return geo === null ? t.exps : networkTableOf(geo, t.policy).exps;
}

/** What `networkFor` reads besides the candidate (a decision's `TtftInputs`). */
export interface NetworkInputs {
  /** Modelled RTTs from the client (`CompiledSnapshot.geoRttFrom`); null: client location unknown. */
  readonly geo: Float64Array | null;
  readonly now: number;
  readonly policy: Policy;
}

/**
 * `networkTerm` for `c` seen from the client whose modelled RTTs are `x.geo`
 * (unique per snapshot and client location): geo model for client → proxy, plus
 * the proxy's own health-check RTT to the cluster (a windowed minimum) when it is fresh.
 */
export function networkFor(c: CompiledCandidate, x: NetworkInputs): TtftTerm {
  const rtts = x.geo;
  const geo = rtts === null ? NaN : (rtts[c.index] ?? NaN);
  if (rtts === null || Number.isNaN(geo)) return networkTerm(null, '');
  const t = networkTableOf(rtts, x.policy);
  const m = c.measured;
  const usable = measuredUsable(c, x);
  const slot = c.index * 2 + (usable ? 0 : 1);
  let term = t.terms[slot];
  if (term === undefined) {
    term =
      usable && m !== null
        ? networkTerm(geo + Math.max(0, m.rttMs), 'geo to proxy + measured proxy RTT')
        : networkTerm(geo, 'geo model');
    t.terms[slot] = term;
    t.ms[slot] = term.ms;
  }
  return term;
}

/** `networkFor(…).ms`. */
export function networkMsFor(c: CompiledCandidate, x: NetworkInputs): number {
  const rtts = x.geo;
  // Client location unknown, or an unknown cluster: networkTerm(null) is 0 ms.
  if (rtts === null || Number.isNaN(rtts[c.index] ?? NaN)) return 0;
  const ms = networkTableOf(rtts, x.policy).ms[c.index * 2 + (measuredUsable(c, x) ? 0 : 1)] as number;
  return ms === ms ? ms : networkFor(c, x).ms;
}

/** Whether the cluster's own proxy's RTT is fresh enough to add to the geo model (the weights model's rule too). */
function measuredUsable(c: CompiledCandidate, x: NetworkInputs): boolean {
  return ownRttUsable(c, x.now, x.policy.staleHardMs);
}

/** `uncertaintyTerm` for `c`'s state `ageStepMs` old (a shared constant while fresh). */
export function uncertaintyFor(t: TermTable, c: CompiledCandidate, ageStepMs: number): TtftTerm {
  const p = t.policy;
  if (ageStepMs <= p.staleSoftMs)
    return uncertaintyTerm(ageStepMs, p.staleSoftMs, p.staleHardMs, p.ttft.staleUncertaintyMs);
  const hit = t.uncertainty[c.index];
  if (hit !== undefined && t.uncertaintyAge[c.index] === ageStepMs) return hit;
  const term = uncertaintyTerm(ageStepMs, p.staleSoftMs, p.staleHardMs, p.ttft.staleUncertaintyMs);
  t.uncertainty[c.index] = term;
  t.uncertaintyMs[c.index] = term.ms;
  t.uncertaintyAge[c.index] = ageStepMs;
  return term;
}

/** `uncertaintyFor(…).ms` (0 while fresh, as the shared FRESH term). */
export function uncertaintyMsFor(t: TermTable, c: CompiledCandidate, ageStepMs: number): number {
  if (ageStepMs <= t.policy.staleSoftMs) return 0;
  return t.uncertaintyAge[c.index] === ageStepMs ? (t.uncertaintyMs[c.index] as number) : uncertaintyFor(t, c, ageStepMs).ms;
}
