import type { ClusterAppState, OutcomeStats } from '../domain/types.ts';
import type { TtftPolicy, TtftTerm } from './types.ts';

// The ttft model's terms: each is one small pure function that returns the
// milliseconds it adds to a candidate's score together with the inputs that
// produced them, so an explanation cannot drift from the maths. Memoisation
// lives in `ttft-memo.ts`, wrapped around whole terms.

/** State ages are only known to about a publication interval: the terms see them in steps of this. */
export const AGE_STEP_MS = 250;

export function ageStep(ageMs: number): number {
  return Math.round(Math.max(0, ageMs) / AGE_STEP_MS) * AGE_STEP_MS;
}

const r0 = (x: number): number => Math.round(x);
const r2 = (x: number): number => Math.round(x * 100) / 100;

/** A term that adds nothing, with the reason: built once, shared by every candidate it explains. */
function zeroTerm(name: TtftTerm['name'], detail: string): TtftTerm {
  return Object.freeze({ name, ms: 0, detail });
}

const ZERO_STARTUP = zeroTerm('startup', 'lands on a loaded replica: no start-up');
const NO_FAILURES = zeroTerm('failure-risk', 'no replica faults in recent outcomes');
const NO_OUTCOMES = zeroTerm('failure-risk', 'no recent outcomes reported');
const FRESH = zeroTerm('uncertainty', 'state fresh (within the soft stale limit)');
const NETWORK_UNKNOWN = zeroTerm('network', 'client location unknown: network not ranked');

/** Network round trip client → regional proxy → cluster (`source` says how it was estimated). */
export function networkTerm(ms: number | null, source: string): TtftTerm {
  if (ms === null) return NETWORK_UNKNOWN;
  return { name: 'network', ms, detail: `${r0(ms)} ms round trip (${source})` };
}

/** Standard normal density and (Abramowitz–Stegun 7.1.26) distribution function. */
function phi(z: number): number {
  return Math.exp(-0.5 * z * z) * 0.3989422804014327;
}
function bigPhi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** E[max(0, m + σZ)] for Z standard normal: expected positive part of a normal. */
export function expectedPositive(m: number, sigma: number): number {
  if (!(sigma > 0)) return Math.max(0, m);
  const z = m / sigma;
  return m * bigPhi(z) + sigma * phi(z);
}

/** Inputs of the queue term, read from one cluster × app state row. */
export interface QueueInputs {
  readonly hotFree: number;
  readonly hotBusy: number;
  readonly queued: number;
  readonly warm: number;
  readonly cold: number;
}

/**
 * How far ahead a state row's picks reach: deciders keep acting on it until a
 * newer one arrives, about as long again as it is old plus one refresh, so
 * the queue can drift for about twice its age plus a second.
 */
export function horizonMs(ageMs: number): number {
  return 2 * Math.max(0, ageMs) + 1000;
}

/**
 * Expected wait for a loaded slot. A request arriving now finds `queued + 1 −
 * hotFree` requests ahead of it (negative: a slot is free) as of the report;
 * over the horizon (`horizonMs`) about busy × horizon / service requests
 * finish and as many (Little's law) arrive, so the position is uncertain with
 * σ² = 2 × busy × horizon / service. Each position ahead waits service /
 * slots, or what queued requests were observed to wait if longer. A growing queue makes the cluster start replicas, so the wait is
 * capped by the start-up time of the tier it would scale into.
 */
export function queueTerm(
  s: QueueInputs,
  ageMs: number,
  serviceMs: number,
  warmStartMs: number,
  coldStartMs: number,
  observedWaitMs: number | null = null,
  observed: QueueSources = NOTHING_OBSERVED,
): TtftTerm {
  const q = queueShape(s, ageMs, serviceMs, warmStartMs, coldStartMs, observedWaitMs);
  const capped = q.raw > q.cap ? `; capped by ${s.warm > 0 ? 'warm' : 'cold'} start ${r0(q.cap)} ms (${sourceWord(s.warm > 0 ? observed.warmStart : observed.coldStart)})` : '';
  return {
    name: 'queue',
    ms: Math.min(q.raw, q.cap),
    detail: `${q.free} free / ${q.slots} slots, ${q.queued} queued, state ${r0(ageMs)} ms old → ${r2(q.positions)} ahead × ${r0(q.perPosition)} ms (${perPositionSource(q, serviceMs, observed.service)})${capped}`,
  };
}

/** Which of the queue term's times the aggregator reported (the rest are the policy's defaults). */
export interface QueueSources {
  readonly service: boolean;
  readonly warmStart: boolean;
  readonly coldStart: boolean;
}
const NOTHING_OBSERVED: QueueSources = { service: false, warmStart: false, coldStart: false };

const sourceWord = (observed: boolean): string => (observed ? 'observed' : 'policy default');

/** Where the wait per position came from, so an operator can tell a measured queue from a guessed one. */
function perPositionSource(q: typeof shape, serviceMs: number, serviceObserved: boolean): string {
  const modelled = serviceMs / Math.max(1, q.slots);
  if (q.perPosition > modelled) return 'observed queue wait';
  return `service ${r0(serviceMs)} ms ${sourceWord(serviceObserved)} ÷ ${Math.max(1, q.slots)} slots`;
}

/** `queueTerm(…).ms` without its detail text: the scoring path needs only the number. */
export function queueTermMs(
  s: QueueInputs,
  ageMs: number,
  serviceMs: number,
  warmStartMs: number,
  coldStartMs: number,
  observedWaitMs: number | null = null,
): number {
  const q = queueShape(s, ageMs, serviceMs, warmStartMs, coldStartMs, observedWaitMs);
  return Math.min(q.raw, q.cap);
}

/** One shape, filled in place by `queueShape` (decide() is synchronous): no allocation per candidate. */
const shape = { free: 0, slots: 0, queued: 0, positions: 0, perPosition: 0, cap: 0, raw: 0 };

function queueShape(
  s: QueueInputs,
  ageMs: number,
  serviceMs: number,
  warmStartMs: number,
  coldStartMs: number,
  observedWaitMs: number | null,
): typeof shape {
  const busy = Math.max(0, s.hotBusy);
  const free = Math.max(0, s.hotFree);
  const queued = Math.max(0, s.queued);
  const slots = busy + free;
  // Slots free at service ÷ slots on average; when the cluster reports how long queued
  // requests really waited (engines hand out slots in steps), that is the better measure.
  const perPosition = Math.max(serviceMs / Math.max(1, slots), observedWaitMs ?? 0);
  const ahead = queued + 1 - free;
  const sigma = Math.sqrt((2 * Math.max(1, busy) * horizonMs(ageMs)) / Math.max(1, serviceMs));
  const positions = expectedPositive(ahead, sigma);
  shape.free = free;
  shape.slots = slots;
  shape.queued = queued;
  shape.positions = positions;
  shape.perPosition = perPosition;
  shape.cap = s.warm > 0 ? warmStartMs : s.cold > 0 ? coldStartMs : Infinity;
  shape.raw = positions * perPosition;
  return shape;
}

/**
 * Start-up wait when no replica is loaded: the tier the request would land in. Its source is that
 * tier's own: the aggregator times warm and cold start-ups apart, so one may be observed alone.
 */
export function startupTerm(
  s: QueueInputs,
  warmStartMs: number,
  coldStartMs: number,
  observed: Pick<QueueSources, 'warmStart' | 'coldStart'> = NOTHING_OBSERVED,
): TtftTerm {
  if (s.hotBusy + s.hotFree > 0) return ZERO_STARTUP;
  const warm = s.warm > 0;
  const ms = warm ? warmStartMs : coldStartMs;
  return {
    name: 'startup',
    ms,
    detail: `no loaded replica: ${warm ? 'warm' : 'cold'} start ${r0(ms)} ms (${sourceWord(warm ? observed.warmStart : observed.coldStart)})`,
  };
}

/**
 * Expected extra time from replica faults: with error rate e, a request needs
 * 1/(1−e) attempts on average, and each failed one costs its round trip, the
 * retry penalty and the time to first token of the retry, which lands on the
 * best other candidate (`retryElsewhereMs`: its predicted TTFT, queue and
 * start-up included — so where the alternatives queue, failing here costs that
 * queue too, and a cluster failing half its requests can never look faster
 * than the place its retries go). The rate is shrunk towards 0 by a prior of
 * clean requests, so a handful of errors on little traffic does not evict a cluster.
 */
export function failureRiskTerm(
  o: OutcomeStats | null,
  networkMs: number,
  now: number,
  policy: TtftPolicy,
  retryElsewhereMs = 0,
): TtftTerm {
  if (o === null || !recentOutcomes(o, now, policy)) return NO_OUTCOMES;
  if (o.replicaErrors <= 0) return NO_FAILURES;
  const e = failureRate(o, policy);
  const retry = Math.max(0, retryElsewhereMs);
  const perFailure = Math.max(0, networkMs) + policy.retryPenaltyMs + retry;
  const elsewhere = retry > 0 ? ` (incl. ${r0(retry)} ms predicted for the retry elsewhere)` : '';
  return {
    name: 'failure-risk',
    ms: failureRiskMs(o, networkMs, now, policy, retryElsewhereMs),
    detail: `${o.replicaErrors} of ${o.requests} recent requests failed (replica faults; rate ${r2(e)} after a prior of ${policy.outcomePrior}) × ${r0(perFailure)} ms per failed attempt${elsewhere}`,
  };
}

/** The ms of `failureRiskTerm` alone, without its object and detail string (the scoring path). */
export function failureRiskMs(
  o: OutcomeStats,
  networkMs: number,
  now: number,
  policy: TtftPolicy,
  retryElsewhereMs: number,
): number {
  if (!recentOutcomes(o, now, policy) || o.replicaErrors <= 0) return 0;
  const e = failureRate(o, policy);
  const perFailure = Math.max(0, networkMs) + policy.retryPenaltyMs + Math.max(0, retryElsewhereMs);
  return (e / (1 - e)) * perFailure;
}

// Written as the tests always were (a NaN age is not recent; NaN requests are not "none").
function recentOutcomes(o: OutcomeStats, now: number, policy: TtftPolicy): boolean {
  return now - o.observedAt <= policy.outcomeMaxAgeMs && !(o.requests <= 0);
}

function failureRate(o: OutcomeStats, policy: TtftPolicy): number {
  return Math.min(0.95, o.replicaErrors / (o.requests + policy.outcomePrior));
}

const NO_SLOWNESS_OUTCOMES = zeroTerm('slowness', 'no recent outcomes reported');
const NO_TTFB = zeroTerm('slowness', 'no observed TTFB of a successful request here');
const QUEUE_EXPLAINS = zeroTerm('slowness', 'requests queue here now: observed TTFB left to the queue term');
const NO_PEERS = zeroTerm('slowness', "no other cluster's observed TTFB to compare with");

/** What the slowness term reads of a compiled candidate (`CompiledCandidate`'s fields). */
export interface SlownessInputs {
  readonly state: ClusterAppState | null;
  readonly outcomes: OutcomeStats | null;
  readonly ttfbOwnMs: number;
  readonly ttfbBaselineMs: number;
  readonly ttfbPeers: number;
  readonly ttfbSamples: number;
}

/**
 * Expected extra time to first token from a cluster that answers, slowly: a throttled GPU, a slow
 * prefill, a degraded interconnect, while its state reports it healthy with free slots. The
 * proxies measure each successful request's time to first byte next to the cluster (a stream's
 * first body chunk, not its head: forward-http.ts `deliver`); the least of them over the outcome
 * window less the recent queue wait, which no queue explains (nothing queued now either:
 * `ttfbUnexplained`, compile-snapshot.ts), is compared with the median of the
 * same on the app's other clusters (computed once per snapshot). The excess is shrunk by the requests
 * measured (n ÷ (n + `slownessPrior`)) and counts only when that is above `slownessMinMs` and above
 * `slownessMinRatio` × the median, so a handful of slow answers on little traffic does not evict
 * a cluster, and a fleet without a slow cluster scores exactly as without the term.
 */
export function slownessTerm(c: SlownessInputs, now: number, policy: TtftPolicy): TtftTerm {
  const o = c.outcomes;
  if (o === null || !recentOutcomes(o, now, policy)) return NO_SLOWNESS_OUTCOMES;
  if ((o.ttfbMinMs ?? null) === null || !(c.ttfbSamples > 0)) return NO_TTFB;
  const own = c.ttfbOwnMs;
  if (own !== own) return c.state !== null && c.state.queued > 0 ? QUEUE_EXPLAINS : NO_TTFB;
  const base = c.ttfbBaselineMs;
  if (base !== base) return NO_PEERS;
  const ms = slownessMs(c, now, policy);
  const mean = o.ttfbMs === null ? '' : `, mean ${r0(o.ttfbMs)} ms`;
  const least = o.ttfbMinMs ?? own;
  const wait = own < least ? ` less ${r0(least - own)} ms recent queue wait` : '';
  const peers = `${c.ttfbPeers} other cluster${c.ttfbPeers === 1 ? '' : 's'}`;
  const n = c.ttfbSamples;
  const shrunk = `${r0(own - base)} ms × ${n} ÷ (${n} + ${policy.slownessPrior}) requests = ${r0(shrunkExcess(c, policy))} ms`;
  const counted = ms > 0 ? '' : `: not above ${policy.slownessMinMs} ms and ${Math.round(policy.slownessMinRatio * 100)} % of the median, not counted`;
  return {
    name: 'slowness',
    ms,
    detail: `least TTFB ${r0(least)} ms (${n} requests${mean})${wait} vs ${r0(base)} ms median on ${peers}: ${shrunk}${counted}`,
  };
}

/** The ms of `slownessTerm` alone (the scoring path: no object, no string). */
export function slownessMs(c: SlownessInputs, now: number, policy: TtftPolicy): number {
  const o = c.outcomes;
  if (o === null || !recentOutcomes(o, now, policy)) return 0;
  const excess = shrunkExcess(c, policy);
  // NaN (no evidence or no peers) fails both comparisons.
  return excess > policy.slownessMinMs && excess > policy.slownessMinRatio * c.ttfbBaselineMs ? excess : 0;
}

/** The TTFB excess over the median elsewhere, × n ÷ (n + prior) (NaN without evidence or peers). */
function shrunkExcess(c: SlownessInputs, policy: TtftPolicy): number {
  const n = c.ttfbSamples;
  return (c.ttfbOwnMs - c.ttfbBaselineMs) * (n / (n + policy.slownessPrior));
}

/**
 * Share of a cluster's loaded slots that load already pays for: a request on a
 * mostly idle cluster uses replicas that run anyway (minimum replicas, or ones
 * kept warm), so its marginal price is low; on a busy cluster it is what makes
 * the cluster keep or add replicas, so it pays the full price. With no loaded
 * slot the request starts a replica: full price.
 */
export function busyShare(s: QueueInputs): number {
  const slots = Math.max(0, s.hotBusy) + Math.max(0, s.hotFree);
  return slots > 0 ? Math.max(0, s.hotBusy) / slots : 1;
}

/** Marginal price of one more request, in $ per GPU-hour: price × busy share. */
export function marginalPrice(price: number, s: QueueInputs): number {
  return price > 0 ? price * busyShare(s) : 0;
}

/**
 * Price as time: the candidate's marginal price (`marginalPrice`) above the
 * cheapest eligible one, in $ per GPU-hour, divided by what the operator says
 * 1 ms is worth.
 */
export function priceTerm(
  price: number,
  busy: number,
  cheapestMarginal: number,
  usdPerGpuHourPerMs: number,
  priceLabel: string,
): TtftTerm {
  const marginal = price > 0 ? price * busy : 0;
  const premium = Math.max(0, marginal - Math.max(0, cheapestMarginal));
  const ms = usdPerGpuHourPerMs > 0 ? premium / usdPerGpuHourPerMs : 0;
  return {
    name: 'price',
    ms,
    detail: `${priceLabel} × ${Math.round(busy * 100)}% busy = $${r2(marginal)}/h marginal vs cheapest $${r2(cheapestMarginal)}/h: +$${r2(premium)}/h ÷ $${usdPerGpuHourPerMs}/h per ms`,
  };
}

/**
 * Risk premium for old state: 0 up to the soft stale limit, rising linearly to
 * `staleUncertaintyMs` at the hard limit (beyond it the candidate is disqualified).
 */
export function uncertaintyTerm(
  ageMs: number,
  staleSoftMs: number,
  staleHardMs: number,
  staleUncertaintyMs: number,
): TtftTerm {
  if (ageMs <= staleSoftMs) return FRESH;
  const t = Math.min(1, (ageMs - staleSoftMs) / Math.max(1, staleHardMs - staleSoftMs));
  return {
    name: 'uncertainty',
    ms: t * staleUncertaintyMs,
    detail: `state ${r0(ageMs)} ms old (soft limit ${staleSoftMs} ms): ${r2(t)} of ${staleUncertaintyMs} ms`,
  };
}

/**
 * A time the aggregator reported that the model may use, else null: start-up times may be 0
 * (`positive` false), a service time or queue wait must be more. The one rule for every reader.
 */
export function reportedMs(v: number | null | undefined, positive: boolean): number | null {
  return v !== undefined && v !== null && (positive ? v > 0 : v >= 0) ? v : null;
}

/** Which of `timingsOf`'s times the aggregator reported (for the queue and startup terms' explanations only). */
export function sourcesOf(s: ClusterAppState): QueueSources {
  return { service: reportedMs(s.serviceMs, true) !== null, warmStart: reportedMs(s.warmStartMs, false) !== null, coldStart: reportedMs(s.coldStartMs, false) !== null };
}

/** Start-up and service times for a state row: reported by the aggregator, else the policy's. */
export function timingsOf(
  s: ClusterAppState,
  policy: TtftPolicy,
): {
  warmStartMs: number;
  coldStartMs: number;
  serviceMs: number;
  queueWaitMs: number | null;
} {
  const w = s.warmStartMs;
  const c = s.coldStartMs;
  const v = s.serviceMs;
  const q = s.queueWaitMs;
  return {
    queueWaitMs: reportedMs(q, true),
    warmStartMs: reportedMs(w, false) ?? policy.warmStartMs,
    coldStartMs: reportedMs(c, false) ?? policy.coldStartMs,
    serviceMs: reportedMs(v, true) ?? policy.serviceMs,
  };
}
