import { describe, expect, it } from 'vitest';
// The Worker's own serialiser: replay must read exactly what the edge writes.
import { inputJson } from '../shared/decision/record-json.ts';
import { noteRollout, noteRoute } from '../shared/decision/decision-notes.ts';
import type { Decision } from '../shared/decision/types.ts';
import type { RequestFacts } from '../shared/domain/types.ts';
import { DEFAULT_POLICY, decide, seededRng } from './decision-port.ts';
import { parseInputJson, SnapshotCache } from './decision-record.ts';
import { replayAll } from './replay/replay-engine.ts';
import { snapshotFixture } from './test-fixtures.ts';

/** A chat request from Frankfurt to the snapshot's app, as the edge decides it. */
function requestFrom(snapshot: { readonly app: { readonly id: string } }): RequestFacts {
  return {
    appId: snapshot.app.id,
    fn: 'v1/chat/completions',
    method: 'POST',
    client: { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } },
    affinityKey: null,
    synthetic: false,
  };
}

describe("the Worker's input_json", () => {
  it('parses into the same inputs and replays to the same decision', () => {
    const now = 1_760_000_000_000;
    const snapshot = snapshotFixture({ now });
    const request = requestFrom(snapshot);
    const cache = new SnapshotCache();
    const records = ['a', 'b', 'c'].map((seed, i) => {
      const decision = decide(request, snapshot, DEFAULT_POLICY, { now, rng: seededRng(seed), seed, decisionId: `d${i}`, staleSnapshot: false });
      const text = inputJson({ request, policy: DEFAULT_POLICY, now, seed, staleSnapshot: false, snapshot });
      return { input: parseInputJson(text, `row ${i}`, cache), decision: JSON.parse(JSON.stringify(decision)) as typeof decision, outcomes: [] };
    });
    expect(records[0]?.input.snapshot).toEqual(snapshot);
    expect(records[1]?.input.snapshot).toBe(records[0]?.input.snapshot);
    const report = replayAll(records, { policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    expect(report.identical).toBe(3);
  });

  it('replays a round-robin app exactly from the strategy state the Worker records', () => {
    const now = 1_760_000_000_000;
    const base = snapshotFixture({ now });
    const snapshot = { ...base, app: { ...base.app, strategy: 'round-robin' as const } };
    const request = requestFrom(snapshot);
    // One isolate-lifetime state advancing across decisions, as in the Worker; the isolate had
    // already decided before the logged window starts (records come from many isolates).
    const state = { roundRobinCursor: 0, outstanding: new Map<string, number>() };
    for (const seed of ['w1']) {
      decide(request, snapshot, DEFAULT_POLICY, { now, rng: seededRng(seed), seed, decisionId: seed, staleSnapshot: false, strategyState: state });
    }
    const cache = new SnapshotCache();
    const records = ['a', 'b', 'c', 'd', 'e'].map((seed, i) => {
      const before = { roundRobinCursor: state.roundRobinCursor, outstanding: [...state.outstanding.entries()] };
      const decision = decide(request, snapshot, DEFAULT_POLICY, { now, rng: seededRng(seed), seed, decisionId: `rr${i}`, staleSnapshot: false, strategyState: state });
      const text = inputJson({ request, policy: DEFAULT_POLICY, now, seed, staleSnapshot: false, strategyState: before, snapshot });
      return { input: parseInputJson(text, `row ${i}`, cache), decision: JSON.parse(JSON.stringify(decision)) as typeof decision, outcomes: [] };
    });
    expect(new Set(records.map((r) => r.decision.chosen)).size).toBeGreaterThan(1); // it does rotate
    const report = replayAll(records, { policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    expect(report.identical).toBe(5);
  });

  it('replays a decision made under a rollout and a matched route whole, its notes included', () => {
    // The edge adds these notes (workers/src/edge.ts) after decide(); replay with nothing changed
    // must still report every such decision identical, not as a difference.
    const now = 1_760_000_000_000;
    const snapshot = snapshotFixture({ now });
    const request = requestFrom(snapshot);
    const rollout = {
      rolloutId: 'r1', model: 'llama', version: 'v2', canary: true, reason: 'sticky-hash' as const,
      weightPct: 10, bucket: 3, homeRegion: null, restricted: true, detail: 'rollout r1: v2 (canary, bucket 3 < 10 %)',
    };
    const route = { route: 'code', target: null, reason: 'matched' as const, why: ['keyword "def"'] };
    const records = ['a', 'b', 'c'].map((seed, i) => {
      const raw = decide(request, snapshot, DEFAULT_POLICY, { now, rng: seededRng(seed), seed, decisionId: `n${i}`, staleSnapshot: false });
      const noted = i === 0 ? noteRollout(raw, rollout) : i === 1 ? noteRoute(raw, route) : noteRoute(noteRollout(raw, rollout), route);
      const text = inputJson({ request, policy: DEFAULT_POLICY, now, seed, staleSnapshot: false, snapshot });
      return { input: parseInputJson(text, `row ${i}`, null), decision: JSON.parse(JSON.stringify(noted)) as Decision, outcomes: [] };
    });
    expect(records[2]?.decision.summary).toMatch(/; rollout r1: v2/);
    const report = replayAll(records, { policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    expect(report.firstDifference).toBeNull();
    expect(report.identical).toBe(3);
    // And a changed note is still a difference: the notes are compared, not skipped.
    const last = records[2];
    if (last === undefined) throw new Error('no records');
    const tampered = { ...last, decision: { ...last.decision, summary: `${last.decision.summary}!` } };
    expect(replayAll([tampered], { policy: null, strategy: null, assumedDurationMs: 1000, verify: true }).identical).toBe(0);
  });
});
