/**
 * A snapshot's recent outcomes (replica faults, observed TTFB per cluster) drive the ttft model's
 * failure-risk term. The decision record used to drop
 * them, so a replay with the policy unchanged picked differently (eu-1 152 ms live, 22 ms replayed).
 */
import { describe, expect, it } from 'vitest';
import { inputJson } from '../shared/decision/record-json.ts';
import { cluster, context, measurement, NOW, policy, request, snapshot, state } from '../shared/decision/test-fixtures.ts';
import type { AppSnapshot, OutcomeStats } from '../shared/domain/types.ts';
import type { Decision } from '../shared/decision/types.ts';
import { decide, seededRng } from './decision-port.ts';
import { type DecisionInput, parseInputJson, recordFromNdjsonLine, recordToNdjsonLine, SnapshotCache } from './decision-record.ts';
import { replayAll } from './replay/replay-engine.ts';

const base = snapshot({
  clusters: [cluster('eu-1', 'eu-west'), cluster('eu-2', 'eu-central')],
  states: [state('eu-1'), state('eu-2')],
  latency: [measurement('eu-1', 'proxy-eu-west', { rttMs: 3 }), measurement('eu-2', 'proxy-eu-central', { rttMs: 3 })],
});
const outcomes = new Map<string, OutcomeStats>([
  ['eu-1', { clusterId: 'eu-1', requests: 20, replicaErrors: 8, ttfbMs: 800, observedAt: NOW - 1_000 }],
  ['eu-2', { clusterId: 'eu-2', requests: 12, replicaErrors: 0, ttfbMs: 40, observedAt: NOW - 1_000 }],
]);
const snap: AppSnapshot = { ...base, outcomes };

const MODELS = [policy({ model: 'ttft' }), policy({ model: 'weights' })];
const SEEDS = ['a', 'b', 'c', 'd', 'e', 'f'];

/** The edge's `input_json` of a decision made from `input` (its writer, shared/decision/record-json.ts). */
const logged = (input: DecisionInput, snapshot = input.snapshot): string =>
  inputJson({ request: input.request, policy: input.policy, now: input.now, seed: input.seed, staleSnapshot: input.staleSnapshot, snapshot });

/** JSON form of a decision: its choice, its explanation (candidates, terms, summary) and all. */
const asLogged = (d: Decision): unknown => JSON.parse(JSON.stringify(d));

function redecide(input: DecisionInput, id: string): Decision {
  return decide(input.request, input.snapshot, input.policy, {
    now: input.now, rng: seededRng(input.seed), seed: input.seed, decisionId: id, staleSnapshot: input.staleSnapshot,
  });
}

function live(pol: (typeof MODELS)[number], seed: string): { input: DecisionInput; decision: Decision } {
  const req = request();
  const decision = decide(req, snap, pol, context(seed, { decisionId: `d-${seed}` }));
  return { input: { request: req, snapshot: snap, policy: pol, now: NOW, seed, staleSnapshot: false }, decision };
}

describe('a snapshot with outcomes replays exactly', () => {
  // The ttft model reads them (its failure-risk term); the weights model no longer does (its latency
  // is geo + network RTT), so its round trips below only prove nothing is lost.
  it('ttft model: the outcomes change the decision (so the test can tell)', () => {
    const pol = policy({ model: 'ttft' });
    const without = decide(request(), base, pol, context('a'));
    expect(asLogged(decide(request(), snap, pol, context('a')))).not.toEqual(asLogged(without));
  });

  it.each(MODELS.map((p) => [p.model, p] as const))("%s model: the edge's input_json -> parse -> decide gives the same decision and explanation", (_m, pol) => {
    const cache = new SnapshotCache();
    for (const seed of SEEDS) {
      const { input, decision } = live(pol, seed);
      const text = logged(input);
      for (const back of [parseInputJson(text, seed, null), parseInputJson(text, seed, cache)]) {
        expect(back.snapshot.outcomes).toEqual(outcomes);
        expect(asLogged(redecide(back, decision.id))).toEqual(asLogged(decision));
      }
    }
  });

  it.each(MODELS.map((p) => [p.model, p] as const))('%s model: an NDJSON line round trip replays with 0 moved and every decision identical', (_m, pol) => {
    const cache = new SnapshotCache();
    const records = SEEDS.map((seed) => {
      const { input, decision } = live(pol, seed);
      return recordFromNdjsonLine(recordToNdjsonLine({ input, decision: asLogged(decision) as Decision, outcomes: [] }), seed, cache);
    });
    const report = replayAll(records, { policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    expect(report.moved).toBe(0);
    expect(report.identical).toBe(SEEDS.length);
  });

  it('a record written before outcomes were logged still loads, and replays without them', () => {
    const { input } = live(MODELS[0] ?? policy(), 'a');
    const old = JSON.parse(logged(input, base)) as { snapshot: Record<string, unknown> };
    expect(Object.keys(old.snapshot)).not.toContain('outcomes');
    const back = parseInputJson(JSON.stringify(old), 'old', new SnapshotCache());
    expect(back.snapshot.outcomes).toBeUndefined();
    expect(asLogged(redecide(back, 'd-a'))).toEqual(asLogged(decide(request(), base, input.policy, context('a', { decisionId: 'd-a' }))));
  });
});
