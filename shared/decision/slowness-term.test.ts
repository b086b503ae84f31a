import { describe, expect, it } from 'vitest';
import type { ClusterAppState, OutcomeStats } from '../domain/types.ts';
import { compileSnapshot } from './compile-snapshot.ts';
import { decide } from './decide.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { NOW, cluster, context, request, snapshot, state } from './test-fixtures.ts';
import { slownessMs, slownessTerm } from './ttft-terms.ts';

// The slowness term: a cluster that answers 2xx, slowly (a throttled GPU, a slow prefill) while
// its state reports it healthy with free slots. Its least observed TTFB over the outcome window
// (which no queue explains) against the median of the same on the app's other clusters; only a
// shrunk excess above 200 ms and 50 % of that median counts.

const T = DEFAULT_POLICY.ttft;
const IDS = ['slow', 'b', 'c', 'd'] as const;
const CLUSTERS = [cluster('slow', 'eu-west'), cluster('b', 'eu-central'), cluster('c', 'eu-north'), cluster('d', 'us-east')];

/** `least`: the window's least TTFB; its mean is 20 ms above. */
const outcome = (id: string, least: number | null, requests = 200, over: Partial<OutcomeStats> = {}): OutcomeStats => ({
  clusterId: id,
  requests,
  replicaErrors: 0,
  ttfbMs: least === null ? null : least + 20,
  ttfbMinMs: least,
  observedAt: NOW - 1000,
  ...over,
});

interface Case {
  readonly name: string;
  /** The slow candidate's outcome and state; the others answer in `others` ms with 200 requests each. */
  readonly slow: OutcomeStats | null;
  readonly slowState?: Partial<ClusterAppState>;
  readonly others?: readonly (number | null)[];
  readonly now?: number;
  /** Expected ms: exact, or [lo, hi]. */
  readonly want: number | readonly [number, number];
  readonly detail: RegExp;
}

function termOf(k: Case): { ms: number; detail: string; scoring: number } {
  const others = k.others ?? [100, 100, 100];
  const outcomes = new Map<string, OutcomeStats>();
  if (k.slow !== null) outcomes.set('slow', k.slow);
  IDS.slice(1).forEach((id, i) => {
    const t = others[i];
    if (t !== undefined) outcomes.set(id, outcome(id, t));
  });
  const snap = {
    ...snapshot({ clusters: CLUSTERS, states: IDS.map((id) => state(id, id === 'slow' ? k.slowState : {})) }),
    outcomes,
  };
  const c = compileSnapshot(snap).candidates.find((x) => x.id === 'slow');
  if (c === undefined) throw new Error('no candidate');
  const now = k.now ?? NOW;
  const t = slownessTerm(c, now, T);
  return { ms: t.ms, detail: t.detail, scoring: slownessMs(c, now, T) };
}

// 200 requests: shrunk by 200 ÷ 220.
const SHRINK = 200 / 220;

const CASES: readonly Case[] = [
  { name: 'no outcomes', slow: null, want: 0, detail: /no recent outcomes/ },
  { name: 'outcomes too old', slow: outcome('slow', 1600, 200, { observedAt: NOW - 10 * 60_000 }), want: 0, detail: /no recent outcomes/ },
  { name: 'no TTFB measured', slow: outcome('slow', null), want: 0, detail: /no observed TTFB/ },
  { name: 'a mean TTFB without the least (an older snapshot)', slow: outcome('slow', 1600, 200, { ttfbMinMs: undefined }), want: 0, detail: /no observed TTFB/ },
  { name: 'only failed requests (no successful TTFB)', slow: outcome('slow', 1600, 50, { replicaErrors: 50 }), want: 0, detail: /no observed TTFB/ },
  { name: 'as fast as elsewhere', slow: outcome('slow', 100), want: 0, detail: /not counted/ },
  { name: 'faster than elsewhere', slow: outcome('slow', 20), want: 0, detail: /not counted/ },
  { name: 'excess below 200 ms', slow: outcome('slow', 300), want: 0, detail: /not counted/ },
  // +250 ms shrunk to 227, above 200 ms but not above half of a 600 ms median elsewhere
  { name: 'excess below half the median elsewhere', slow: outcome('slow', 850), others: [600, 600, 600], want: 0, detail: /600 ms median on 3 other clusters: .*not counted/ },
  { name: 'queueing now: left to the queue term', slow: outcome('slow', 1600), slowState: { queued: 3 }, want: 0, detail: /queue here now/ },
  // A queue drained within the window: its requests' waits raise the mean, not the least.
  { name: "a queue's tail: slow mean, fast least", slow: outcome('slow', 90, 200, { ttfbMs: 1600 }), want: 0, detail: /least TTFB 90 ms \(200 requests, mean 1600 ms\).*not counted/ },
  { name: 'no other cluster measured', slow: outcome('slow', 1600), others: [null, null, null], want: 0, detail: /no other cluster/ },
  // 1,500 ms excess on 3 requests: × 3 ÷ 23 = 196 ms, under the 200 ms bar
  { name: 'a few slow requests: shrunk under the bar', slow: outcome('slow', 1600, 3), want: 0, detail: /× 3 ÷ \(3 \+ 20\).*not counted/ },
  { name: '+500 ms', slow: outcome('slow', 600), want: 500 * SHRINK, detail: /^least TTFB 600 ms \(200 requests, mean 620 ms\) vs 100 ms median on 3 other clusters: 500 ms × 200 ÷ \(200 \+ 20\) requests = 455 ms$/ },
  { name: '+1,500 ms', slow: outcome('slow', 1600), want: 1500 * SHRINK, detail: /1500 ms ×/ },
  // Every request of the window waited about as long as the state says queued ones wait (a start-up).
  { name: 'the recent queue wait explains even the least', slow: outcome('slow', 1600), slowState: { queueWaitMs: 1500 }, want: 0, detail: /least TTFB 1600 ms \(200 requests, mean 1620 ms\) less 1500 ms recent queue wait.*not counted/ },
  { name: '+1,500 ms, less a 200 ms queue wait', slow: outcome('slow', 1600), slowState: { queueWaitMs: 200 }, want: 1300 * SHRINK, detail: /less 200 ms recent queue wait vs 100 ms median.*: 1300 ms ×/ },
  { name: '+3,000 ms', slow: outcome('slow', 3100), want: 3000 * SHRINK, detail: /3000 ms ×/ },
  { name: '+1,500 ms on 20 requests: half counted', slow: outcome('slow', 1600, 20), want: 750, detail: /× 20 ÷ \(20 \+ 20\)/ },
  // the median elsewhere (100, 100, 4000 → 100) ignores one other slow cluster
  { name: 'another slow cluster does not raise the median', slow: outcome('slow', 1600), others: [100, 100, 4000], want: 1500 * SHRINK, detail: /100 ms median/ },
];

describe('slownessTerm', () => {
  it.each(CASES)('$name', (k) => {
    const t = termOf(k);
    if (typeof k.want === 'number') expect(t.ms).toBeCloseTo(k.want, 9);
    else {
      expect(t.ms).toBeGreaterThanOrEqual(k.want[0]);
      expect(t.ms).toBeLessThanOrEqual(k.want[1]);
    }
    // The scoring path's number is the explanation's, bit for bit.
    expect(t.scoring).toBe(t.ms);
    expect(t.detail).toMatch(k.detail);
  });

  it('grows with the excess and with the requests that show it', () => {
    const byExcess = [400, 800, 1600, 3200].map((ms) => termOf({ name: '', slow: outcome('slow', 100 + ms), want: 0, detail: /./ }).ms);
    const byRequests = [10, 40, 160, 640].map((n) => termOf({ name: '', slow: outcome('slow', 1600, n), want: 0, detail: /./ }).ms);
    for (const xs of [byExcess, byRequests]) {
      expect(xs[0]).toBeGreaterThan(0);
      for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1] as number);
    }
  });
});

describe('a slow cluster in a decision', () => {
  // Two equal clusters in the same region: the slow one keeps next to nothing, its terms say why.
  const twin = [cluster('slow', 'eu-west'), cluster('twin', 'eu-west'), cluster('far', 'us-east')];
  const snap = (slowTtfb: number) => ({
    ...snapshot({ clusters: twin }),
    outcomes: new Map([
      ['slow', outcome('slow', slowTtfb)],
      ['twin', outcome('twin', 80)],
      ['far', outcome('far', 120)],
    ]),
  });

  it('explains the term in ms with its inputs, in the predicted TTFT, and moves the traffic', () => {
    const d = decide(request(), snap(1600), DEFAULT_POLICY, context('slow'));
    const slow = d.candidates.find((c) => c.clusterId === 'slow');
    const term = slow?.terms?.find((t) => t.name === 'slowness');
    // median of twin (80) and far (120) = 100: 1,500 ms × 200 ÷ 220
    expect(term?.ms).toBeCloseTo(1500 * SHRINK, 9);
    expect(term?.detail).toBe('least TTFB 1600 ms (200 requests, mean 1620 ms) vs 100 ms median on 2 other clusters: 1500 ms × 200 ÷ (200 + 20) requests = 1364 ms');
    expect(slow?.probability).toBeLessThan(1e-6);
    expect(d.chosen).not.toBe('slow');
    const twinRow = d.candidates.find((c) => c.clusterId === 'twin');
    expect((slow?.estimatedLatencyMs ?? 0) - (twinRow?.estimatedLatencyMs ?? 0)).toBeCloseTo(1500 * SHRINK, 6);
  });

  it('is 0 on every candidate when no cluster is slow, and the decision is the one without TTFB', () => {
    const same = decide(request(), snap(90), DEFAULT_POLICY, context('same'));
    for (const c of same.candidates) expect(c.terms?.find((t) => t.name === 'slowness')?.ms).toBe(0);
    const without = decide(request(), snapshot({ clusters: twin }), DEFAULT_POLICY, context('same'));
    expect(same.chosen).toBe(without.chosen);
    expect(same.candidates.map((c) => c.probability)).toEqual(without.candidates.map((c) => c.probability));
  });
});
