import { describe, expect, it } from 'vitest';
// The Worker's own serialiser: replay must read exactly what the edge writes.
import { inputJson } from '../workers/src/decision-record.ts';
import { DEFAULT_POLICY, decide, seededRng } from './decision-port.ts';
import { parseInputJson, SnapshotCache } from './decision-record.ts';
import { replayAll } from './replay/replay-engine.ts';
import { snapshotFixture } from './test-fixtures.ts';

describe("the Worker's input_json", () => {
  it('parses into the same inputs and replays to the same decision', () => {
    const now = 1_760_000_000_000;
    const snapshot = snapshotFixture({ now });
    const request = {
      appId: snapshot.app.id,
      fn: 'v1/chat/completions',
      method: 'POST',
      client: { colo: 'FRA', country: 'DE', continent: 'EU' as const, location: { lat: 50.1, lon: 8.7 } },
      affinityKey: null,
      synthetic: false,
    };
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
});
