import type { CandidateRow } from './candidate-row.ts';
import { EXP_USE, type ExpMemo, expSlot, memoExp } from './exp-memo.ts';
import { horizonMs } from './ttft-terms.ts';
import type { ClusterAppState } from '../domain/types.ts';
import type { Policy } from './types.ts';


/**
 * A decider's fair share of each candidate's room under stale state. Every decider acts on the
 * same published row for about `horizonMs(age)`; over that time a cluster can take its free
 * slots less its queue plus what its busy slots finish (room). The other origins keep sending
 * what they sent in the last window (their inflow); what nobody claims yet (room − all inflow
 * × horizon) is split among origins by their share of the app's traffic, so n deciders reading
 * the same free slots do not each take all of them. When the room is already over-claimed,
 * each origin keeps its proportion of the room. Probabilities above the cap move to rows under
 * their cap (in proportion to their probability, never to rows with replica faults); what no
 * row can take stays where the softmax put it (every cluster full: the queue terms decide).
 * Rows without inflow data are not capped; an origin with no inflow anywhere is not capped.
 * `rates`: the origin's requests/s per candidate (`CompiledSnapshot.inflowFrom`); null when the
 * request's colo is unknown. `exps`: the exp memo of the start-up weights (`expMemoFor`).
 * `applies`: `capsApply(pool, rates)`, when the caller has it already.
 */
export function capByRoom(
  pool: readonly CandidateRow[],
  rates: Float64Array | null,
  policy: Policy,
  exps: ExpMemo,
  applies = capsApply(pool, rates),
): void {
  // Rows start each decision uncapped (shareCap NaN): nothing to do where no cap applies.
  if (rates === null || !applies) return;
  let mine = 0;
  let app = 0;
  for (const r of pool) {
    const c = r.c;
    if (c.inflow === null) continue;
    // This origin's inflow here, kept in shareCap until its cap replaces it.
    r.shareCap = rates[c.index] ?? 0;
    mine += r.shareCap;
    app += c.inflowTotal;
  }
  if (!(mine > 0) || !(app > 0)) {
    for (const r of pool) r.shareCap = NaN;
    return;
  }
  const appShare = mine / app;
  let excess = 0;
  let under = 0;
  // The scratch in locals and parameters: a module variable is reloaded and re-checked at every access.
  const sc = scratchFor(pool.length);
  const openRows = sc.open;
  let open = 0; // rows the water-fill may raise, by pool position in pool order (openRows)
  for (let i = 0; i < pool.length; i++) {
    const r = pool[i] as CandidateRow;
    const own = r.shareCap; // NaN: no inflow data for this row
    let cap = NaN;
    sc.own[i] = own;
    sc.before[i] = r.probability;
    if (!Number.isNaN(own)) {
      claimOf(sc, i, r, own, appShare, policy);
      cap = capAt(sc, i, own, r.c.inflowTotal, mine, 0);
    }
    const bad = r.failureMs > 0; // replica faults (0 when unscored)
    sc.fault[i] = bad ? 1 : 0;
    // A cluster with replica faults gets no more of this origin's traffic than it already does.
    if (bad) cap = Math.min(cap, own / mine);
    r.shareCap = cap;
    if (Number.isNaN(cap)) cap = 1;
    if (r.probability > cap) {
      excess += r.probability - cap;
      r.probability = cap;
    } else if (!bad) under += r.probability;
    if (!bad && r.probability < cap) openRows[open++] = i;
  }
  excess = fillToCaps(pool, openRows, open, excess, under);
  // Every row is at its cap: what is left queues wherever it goes, and the queue makes that
  // cluster start replicas. It goes where it starts soonest: warm headroom first, then cold.
  if (excess > 1e-12) excess = fillStartUps(sc, pool, mine, policy, excess, true, exps);
  if (excess > 1e-12) excess = fillStartUps(sc, pool, mine, policy, excess, false, exps);
  // No start-up headroom left anywhere: the rest goes back in proportion to the capped shares.
  if (excess > 1e-12) spreadLeftover(pool, sc.fault, sc.before, excess);
}

/**
 * Water-fills `excess` onto the `open` rows under their cap (`openRows`, by pool position in pool
 * order; `under`: their probabilities' sum) in proportion to their probability, a few rounds (each
 * round fills some to the cap). A row at its cap never reopens: each round walks the rows still
 * open, in pool order. Returns what is left.
 */
function fillToCaps(pool: readonly CandidateRow[], openRows: Int32Array, open: number, excess: number, under: number): number {
  for (let round = 0; round < 4 && excess > 1e-12 && under > 0; round++) {
    const give = excess;
    let nextUnder = 0;
    let still = 0;
    excess = 0;
    for (let j = 0; j < open; j++) {
      const i = openRows[j] as number;
      const r = pool[i] as CandidateRow;
      const limit = limitOf(r);
      const want = r.probability + (give * r.probability) / under;
      if (want > limit) {
        excess += want - limit;
        r.probability = limit;
      } else {
        r.probability = want;
        nextUnder += want;
        if (want < limit) openRows[still++] = i;
      }
    }
    under = nextUnder;
    open = still;
  }
  return excess;
}

/**
 * What no cap or start-up headroom could take, in proportion to the capped shares of rows without
 * replica faults if any (over-full clusters queue; a failing one fails): `faults`, by pool position.
 * When every cap is 0 (each cluster has more queued than its busy slots drain over the horizon,
 * as in a saturated fleet whose full clusters queue), in proportion to the softmax's shares
 * before capping (`before`): the queue terms decide, and the probabilities still sum to 1.
 */
function spreadLeftover(pool: readonly CandidateRow[], faults: Uint8Array, before: Float64Array, excess: number): void {
  // Clean rows first, by capped then by pre-cap shares; only then rows with replica faults.
  if (spreadIn(pool, faults, excess, null, true) || spreadIn(pool, faults, excess, before, true)) return;
  if (!spreadIn(pool, faults, excess, null, false)) spreadIn(pool, faults, excess, before, false);
}

/** Adds `excess` in proportion to `weights` (null: the rows' probabilities) of the clean rows, or of all; false when they sum to 0. */
function spreadIn(pool: readonly CandidateRow[], faults: Uint8Array, excess: number, weights: Float64Array | null, cleanOnly: boolean): boolean {
  let clean = 0;
  let total = 0;
  for (let i = 0; i < pool.length; i++) {
    const p = weights === null ? (pool[i] as CandidateRow).probability : (weights[i] as number);
    total += p;
    if (faults[i] === 0) clean += p;
  }
  const onClean = cleanOnly || clean > 0;
  const base = onClean ? clean : total;
  if (!(base > 0)) return false;
  for (let i = 0; i < pool.length; i++) {
    const r = pool[i] as CandidateRow;
    const p = weights === null ? r.probability : (weights[i] as number);
    if (!onClean || faults[i] === 0) r.probability += (excess * p) / base;
  }
  return true;
}

/**
 * Whether `capByRoom` will cap this origin: it has inflow on at least one of the pool's rows
 * (a decider with no history anywhere, or a pool of one, is not capped).
 */
export function capsApply(pool: readonly CandidateRow[], rates: Float64Array | null): boolean {
  if (rates === null || pool.length < 2) return false;
  // NaN (no inflow data on the row) is not > 0.
  for (const r of pool) if ((rates[r.c.index] ?? 0) > 0) return true;
  return false;
}

/** The row's cap as a number (1 where none is known). */
function limitOf(r: CandidateRow): number {
  return Number.isNaN(r.shareCap) ? 1 : r.shareCap;
}

/**
 * What the row's cap needs that does not change within a decision, kept at pool position `i` of
 * the scratch for `capAt` (capByRoom and both start-up passes ask for it): the state's
 * horizon (s), its loaded room over it, and this origin's claim on the unclaimed room — its
 * share of the app's traffic, or of this cluster's inflow if larger (the clients near a cluster
 * are the ones that want it). Only for rows with state and inflow data (own not NaN).
 */
function claimOf(sc: CapScratch, i: number, r: CandidateRow, own: number, appShare: number, policy: Policy): void {
  const c = r.c;
  const h = horizonMs(r.stateAgeMs ?? 0) / 1000;
  const service = c.serviceMs === c.serviceMs ? c.serviceMs : policy.ttft.serviceMs;
  const total = c.inflowTotal;
  sc.horizon[i] = h;
  // hotFree − queued + hotBusy × horizon / service, as the state's fields (compiled once per snapshot).
  sc.room[i] = c.freeLessQueued + (c.hotBusy * h * 1000) / service;
  sc.claim[i] = total > 0 ? Math.min(1, Math.max(appShare, own / total)) : appShare;
}

/**
 * The largest share of this origin's traffic the row at pool position `i` may take over the
 * state's horizon (`claimOf` filled its inputs); `headroom`: start-up slots counted as room
 * besides the loaded ones. Small enough to be inlined: a call that is not would box its doubles.
 */
function capAt(sc: CapScratch, i: number, own: number, total: number, mine: number, headroom: number): number {
  const h = sc.horizon[i] as number;
  const room = (sc.room[i] as number) + headroom;
  const unclaimed = room - total * h;
  const cap = unclaimed >= 0 ? own * h + unclaimed * (sc.claim[i] as number) : total > 0 ? (Math.max(0, room) * own) / total : 0;
  return Math.min(1, cap / (mine * h));
}

/**
 * The start-up slots this app may take on the row, warm (`warm`) or warm and cold: its headroom
 * less what apps with fewer homes need there (`ClusterAppState.pinnedStartSlots`), taken from the
 * warm slots first as they would start. Those apps cannot go elsewhere; this one can, so its
 * overflow must not start on their nodes. Resolved once per snapshot (`CompiledCandidate.warmHeadroom`).
 */
export function unpinnedHeadroom(s: ClusterAppState, warm: boolean): number {
  const pinned = Math.max(0, s.pinnedStartSlots ?? 0);
  const w = Math.max(0, s.warm);
  const free = Math.max(0, w - pinned);
  return warm ? free : free + Math.max(0, Math.max(0, s.cold) - Math.max(0, pinned - w));
}

/**
 * Places excess that no row's room can take on start-up headroom: each row may take its share
 * of its room plus its unpinned warm slots (`warm`), or warm and cold ones, and the excess is
 * water-filled over rows by softmax over network + the start-up it waits for (warm, or cold once
 * the warm headroom is taken) at the base temperature: the nearest cluster that can start a
 * replica soonest gets it, before a far one or a cold start. Rows with replica faults or without
 * inflow data take none. Returns what is still left; the added shares go to `overflowShare`.
 */
function fillStartUps(sc: CapScratch, pool: readonly CandidateRow[], mine: number, policy: Policy, excess: number, warm: boolean, exps: ExpMemo): number {
  const { own: owns, limit, weight, fault: faults, open: openRows } = sc;
  // Where the row reports no start time, the policy's (as `timingsOf`).
  const fallbackMs = warm ? policy.ttft.warmStartMs : policy.ttft.coldStartMs;
  let best = Infinity;
  for (let i = 0; i < pool.length; i++) {
    const r = pool[i] as CandidateRow;
    const c = r.c;
    const headroom = warm ? c.warmHeadroom : c.startHeadroom; // 0 without state
    const own = owns[i] as number; // as capByRoom read it from `rates`
    limit[i] = r.probability;
    weight[i] = Infinity;
    if (c.state === null || Number.isNaN(own) || faults[i] === 1 || headroom <= 0) continue;
    limit[i] = Math.max(r.probability, capAt(sc, i, own, c.inflowTotal, mine, headroom));
    const reported = warm ? c.warmStartMs : c.coldStartMs;
    const ms = r.networkMs + (reported === reported ? reported : fallbackMs);
    weight[i] = ms;
    if (ms < best) best = ms;
  }
  const t = policy.ttft.temperatureMs;
  const use = warm ? EXP_USE.warmStart : EXP_USE.coldStart;
  let open = 0;
  let count = 0; // rows that take a share, by pool position in pool order (openRows)
  for (let i = 0; i < pool.length; i++) {
    const ms = weight[i] as number;
    // A row at its limit never opens (probabilities only rise to it): its weight is never read.
    const opens = (pool[i] as CandidateRow).probability < (limit[i] as number);
    // Slot by pool position: any slot is exact (keyed by the argument), and the pool repeats per location.
    const w = ms === Infinity || !opens ? 0 : memoExp(exps, expSlot(i, use), -(ms - best) / t);
    weight[i] = w;
    if (opens) open += w;
    if (opens && w > 0) openRows[count++] = i;
  }
  for (let round = 0; round < 6 && excess > 1e-12 && open > 0; round++) {
    const give = excess;
    let nextOpen = 0;
    let still = 0;
    excess = 0;
    for (let j = 0; j < count; j++) {
      const i = openRows[j] as number;
      const r = pool[i] as CandidateRow;
      const cap = limit[i] as number;
      const w = weight[i] as number;
      const want = r.probability + (give * w) / open;
      const next = want > cap ? cap : want;
      if (want > cap) excess += want - cap;
      else nextOpen += w;
      r.overflowShare += next - r.probability;
      r.probability = next;
      if (next < cap) openRows[still++] = i;
    }
    open = nextOpen;
    count = still;
  }
  return excess;
}

/**
 * Per-call scratch (decide() is synchronous), by pool position: this origin's rate (NaN: no
 * inflow data), the cap inputs `claimOf` keeps for `capAt`, the limits and weights of a start-up
 * pass, which rows have replica faults (1) and the rows still open.
 */
interface CapScratch {
  readonly own: Float64Array;
  /** The softmax's probability, before any cap: where a leftover goes when every row is capped to 0. */
  readonly before: Float64Array;
  readonly horizon: Float64Array;
  readonly room: Float64Array;
  readonly claim: Float64Array;
  readonly limit: Float64Array;
  readonly weight: Float64Array;
  readonly fault: Uint8Array;
  readonly open: Int32Array;
}

const newScratch = (n: number): CapScratch => ({
  own: new Float64Array(n),
  before: new Float64Array(n),
  horizon: new Float64Array(n),
  room: new Float64Array(n),
  claim: new Float64Array(n),
  limit: new Float64Array(n),
  weight: new Float64Array(n),
  fault: new Uint8Array(n),
  open: new Int32Array(n),
});

// Grown to the largest pool seen.
let scratch = newScratch(64);

function scratchFor(n: number): CapScratch {
  if (scratch.own.length < n) scratch = newScratch(Math.max(n, scratch.own.length * 2));
  return scratch;
}
