/**
 * A decision's drill-down: every candidate with every term of its score in ms and $ (ttft
 * model) or its modifiers (weights model), and what changed its share after the softmax (the
 * share-of-room cap, the overflow, the failover reserve and whose setting that was), from the
 * `explanation_json` the edge logged: without those a probability can differ from its score's
 * with nothing on screen saying why. Pure. Tolerant of older or partial records: a missing field
 * shows as null, never throws.
 */

export interface TermView {
  readonly name: string;
  /**
   * Milliseconds (ttft terms), a multiplicative factor (weights modifiers), a share of the
   * origin's traffic (0–1) or a share moved (signed: − off this candidate, + onto it).
   */
  readonly value: number;
  readonly unit: 'ms' | '×' | 'share' | 'move';
  readonly detail: string;
}

/** The settings an operator changes for the failover reserve, by where the decision took it from. */
const RESERVE_SETTING: ReadonlyMap<string, string> = new Map([
  ['app', "the app's failoverReserve"],
  ['policy', 'ROUTE_FAILOVER_RESERVE (fleet policy)'],
]);

export interface CandidateView {
  readonly clusterId: string;
  readonly region: string | null;
  readonly provider: string | null;
  readonly chosen: boolean;
  readonly tier: string | null;
  readonly probability: number | null;
  readonly predictedMs: number | null;
  readonly scoreMs: number | null;
  readonly pricePerHour: number | null;
  readonly stateAgeMs: number | null;
  readonly disqualified: readonly string[];
  readonly terms: readonly TermView[];
}

export interface ExplanationView {
  readonly id: string;
  readonly at: number | null;
  readonly appId: string | null;
  readonly outcome: string | null;
  readonly chosen: string | null;
  readonly fallbacks: readonly string[];
  readonly reason: string | null;
  readonly strategy: string | null;
  readonly summary: string;
  readonly stale: boolean;
  readonly candidates: readonly CandidateView[];
}

type Obj = Readonly<Record<string, unknown>>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strOf = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numOf = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const listOf = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);

function termsOf(c: Obj): TermView[] {
  const terms = listOf(c['terms'])
    .filter(isObj)
    .map((t): TermView => ({ name: strOf(t['name']) ?? '?', value: numOf(t['ms']) ?? 0, unit: 'ms', detail: strOf(t['detail']) ?? '' }));
  const modifiers = listOf(c['modifiers'])
    .filter(isObj)
    .map((m): TermView => ({ name: strOf(m['name']) ?? '?', value: numOf(m['factor']) ?? 0, unit: '×', detail: strOf(m['detail']) ?? '' }));
  return [...terms, ...modifiers, ...sharesOf(c)];
}

/** The share adjustments `decide()` made after scoring (`CandidateExplanation.shareCap`, `overflowShare`, `reserveShare`). */
function sharesOf(c: Obj): TermView[] {
  const out: TermView[] = [];
  const cap = numOf(c['shareCap']);
  if (cap !== null) out.push({ name: 'share cap', value: cap, unit: 'share', detail: "the most of this origin's traffic it may take before the next state: its free room against the other origins' inflow" });
  const overflow = numOf(c['overflowShare']);
  if (overflow !== null) out.push({ name: 'overflow', value: overflow, unit: 'move', detail: 'placed beyond the cap: every candidate was at its cap and this one can start a replica soonest' });
  const reserve = numOf(c['reserveShare']);
  if (reserve !== null) {
    const from = RESERVE_SETTING.get(strOf(c['reserveFrom']) ?? '') ?? 'a failover reserve setting';
    const what = reserve < 0 ? 'moved off the busiest candidate' : 'moved here';
    out.push({ name: 'failover reserve', value: reserve, unit: 'move', detail: `${what} so the others' free slots could take its load if it failed; set by ${from}` });
  }
  return out;
}

function candidateView(c: Obj, chosen: string | null): CandidateView {
  const clusterId = strOf(c['clusterId']) ?? '?';
  return {
    clusterId,
    region: strOf(c['region']),
    provider: strOf(c['provider']),
    chosen: clusterId === chosen,
    tier: strOf(c['tier']),
    probability: numOf(c['probability']),
    predictedMs: numOf(c['estimatedLatencyMs']),
    scoreMs: numOf(c['scoreMs']),
    pricePerHour: numOf(c['pricePerHour']),
    stateAgeMs: numOf(c['stateAgeMs']),
    disqualified: listOf(c['disqualifications'])
      .filter(isObj)
      .map((d) => `${strOf(d['code']) ?? '?'}: ${strOf(d['detail']) ?? ''}`),
    terms: termsOf(c),
  };
}

/** Chosen first, then by probability, then qualified before disqualified, then by id. */
function rank(a: CandidateView, b: CandidateView): number {
  return (
    Number(b.chosen) - Number(a.chosen) ||
    (b.probability ?? 0) - (a.probability ?? 0) ||
    a.disqualified.length - b.disqualified.length ||
    a.clusterId.localeCompare(b.clusterId)
  );
}

export function explanationView(id: string, explanation: unknown): ExplanationView {
  const e = isObj(explanation) ? explanation : {};
  const chosen = strOf(e['chosen']);
  return {
    id,
    at: numOf(e['at']),
    appId: strOf(e['appId']),
    outcome: strOf(e['outcome']),
    chosen,
    fallbacks: listOf(e['fallbacks']).flatMap((f) => (typeof f === 'string' ? [f] : [])),
    reason: strOf(e['reason']),
    strategy: strOf(e['strategy']),
    summary: strOf(e['summary']) ?? '',
    stale: e['stale'] === true,
    candidates: listOf(e['candidates'])
      .filter(isObj)
      .map((c) => candidateView(c, chosen))
      .sort(rank),
  };
}
