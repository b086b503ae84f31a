import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { replaySummaryText } from '../report/replay-report.ts';
import { makeRecords } from './record-fixtures.ts';
import { replayAll } from './replay-engine.ts';

// Records made by the previous (weights) model, replayed under the new default (ttft):
// the report puts both side by side — moved share, estimated latency, cost.
describe('replaying weights-model decisions under the ttft model', () => {
  const records = makeRecords(1000, { ...DEFAULT_POLICY, model: 'weights' });
  const report = replayAll(records, { policy: DEFAULT_POLICY, strategy: null, assumedDurationMs: 1000, verify: false });

  it('says which model made each side and shows moved share, latency and cost for both', () => {
    expect(report.models).toEqual({ before: { weights: 1000 }, after: { ttft: 1000 } });
    expect(report.movedShare).toBeGreaterThan(0);
    expect(report.latency.estimatedBefore.count).toBe(1000);
    expect(report.latency.estimatedAfter.count).toBe(1000);
    expect(report.cost.before).toBeGreaterThan(0);
    expect(report.cost.after).toBeGreaterThan(0);
    expect(report.violations.afterTotal).toBe(0);
    const text = replaySummaryText(report);
    expect(text).toMatch(/model: before weights 1,000; after ttft 1,000/);
    expect(text).toMatch(/estimated before/);
    expect(text).toMatch(/cost: before \$[\d.]+ after \$[\d.]+/);
  });

  it('replays unchanged under its own policy: the records keep their model', () => {
    const same = replayAll(records, { policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    expect(same.identical).toBe(1000);
  });
});
