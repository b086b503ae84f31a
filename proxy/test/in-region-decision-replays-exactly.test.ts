/**
 * An in-region decision (made by the regional proxy, not the edge) is recorded in the edge's one
 * record format (shared/decision/record-json.ts), so the replay reader parses it and re-deciding
 * from the record reproduces the choice. The proxy used to hand-write its own `input_json`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInputRecord } from '../../backtest/decision-record.ts';
import { readNdjson, writeNdjson } from '../../backtest/replay/ndjson.ts';
import { replayAll } from '../../backtest/replay/replay-engine.ts';
import type { Decision } from '../../shared/decision/types.ts';
import { decide, seededRng } from '../../shared/decision/index.ts';
import { cluster, NOW, policy, snapshot } from '../../shared/decision/test-fixtures.ts';
import { decideInRegion } from '../src/in-region-decide.ts';

const base = snapshot({
  clusters: [cluster('us-1', 'us-east'), cluster('us-2', 'us-east'), cluster('eu-1', 'eu-west')],
});
// Recent outcomes (replica faults and a slow TTFB on us-1) weigh in the models: the record must carry them.
const outcomes = new Map([
  ['us-1', { clusterId: 'us-1', requests: 20, replicaErrors: 8, ttfbMs: 800, observedAt: NOW - 1_000 }],
  ['us-2', { clusterId: 'us-2', requests: 10, replicaErrors: 0, ttfbMs: 60, observedAt: NOW - 1_000 }],
  ['eu-1', { clusterId: 'eu-1', requests: 10, replicaErrors: 0, ttfbMs: 60, observedAt: NOW - 1_000 }],
]);
const snap = { ...base, outcomes };

describe('in-region decision record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'in-region-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['a', 'b', 'c', 'd'])('replays to the same choice and explanation, recent outcomes included (run %s)', async (run) => {
    const made = decideInRegion({
      snapshot: snap, region: 'us-east', proxyId: 'proxy-us', fn: 'v1/chat/completions', method: 'POST',
      affinityKey: null, jobKeyHash: null, policy: policy(), now: NOW, stale: false,
      strategyState: { roundRobinCursor: 0, outstanding: new Map() },
    });
    if (made instanceof Error) throw made;
    expect(made.decision.chosen === 'us-1' || made.decision.chosen === 'us-2').toBe(true);
    const head = JSON.parse(made.input().inputJson) as Record<string, unknown>;
    expect(head).toMatchObject({ v: 1, scope: 'in-region', proxy: 'proxy-us', region: 'us-east' });
    const input = parseInputRecord(made.input(), 'in-region');
    expect([...input.snapshot.clusters.keys()].sort()).toEqual(['us-1', 'us-2']);
    expect([...(input.snapshot.outcomes?.keys() ?? [])].sort()).toEqual(['us-1', 'us-2']);
    const again = decide(input.request, input.snapshot, input.policy, {
      now: input.now, rng: seededRng(input.seed), seed: input.seed, decisionId: made.decision.id, staleSnapshot: input.staleSnapshot,
    });
    expect(again.chosen).toBe(made.decision.chosen);
    expect(again.fallbacks).toEqual(made.decision.fallbacks);
    // The whole explanation, not just the pick: every candidate's terms and probability.
    expect(JSON.parse(JSON.stringify(again.candidates))).toEqual(JSON.parse(JSON.stringify(made.decision.candidates)));
    // `switchyard replay` with nothing changed: the whole decision, its "in-region (us-east): "
    // summary included, is reproduced, from the row and after an NDJSON export of it.
    const recorded = { input, decision: JSON.parse(JSON.stringify(made.decision)) as Decision, outcomes: [] };
    expect(recorded.decision.summary).toMatch(/^in-region \(us-east\): /);
    const file = join(dir, `${run}.ndjson`);
    await writeNdjson(file, [recorded]);
    const exported = [];
    for await (const r of readNdjson(file)) exported.push(r);
    expect(exported[0]?.input.origin).toEqual({ scope: 'in-region', proxy: 'proxy-us', region: 'us-east' });
    const report = replayAll([recorded, ...exported], { policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    expect(report.firstDifference).toBeNull();
    expect(report.identical).toBe(2);
  });
});
