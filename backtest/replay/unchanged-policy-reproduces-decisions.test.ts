import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import type { DecisionRecord } from '../decision-record.ts';
import { readNdjson, writeNdjson } from './ndjson.ts';
import { readRecordsFromDb } from './read-records-db.ts';
import { makeRecords, writeRecordsToDb } from './record-fixtures.ts';
import { replayAll } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-same-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<DecisionRecord>): Promise<DecisionRecord[]> {
  const out: DecisionRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('replay with nothing changed', () => {
  const records = makeRecords(600, DEFAULT_POLICY);
  const url = `file:${join(dir, 'decisions.db')}`;
  const opts = { policy: null, strategy: null, assumedDurationMs: 1000, verify: true } as const;

  it('reproduces every decision from a libSQL database exactly', async () => {
    await writeRecordsToDb(url, records);
    const back = await collect(readRecordsFromDb({ url, pageSize: 97 }));
    expect(back).toHaveLength(records.length);
    expect(back.filter((r) => r.outcomes.length > 0).length).toBeGreaterThan(0);
    const report = replayAll(back, opts);
    expect(report.records).toBe(600);
    expect(report.moved).toBe(0);
    expect(report.identical).toBe(600);
    expect(report.violations.afterTotal).toBe(0);
    expect(report.traffic.cluster.after).toEqual(report.traffic.cluster.before);
    expect(report.cost.after).toBe(report.cost.before);
    // More than one cluster is chosen, so "no move" is not trivially true.
    expect(Object.keys(report.traffic.cluster.before).length).toBeGreaterThan(1);
    expect(report.latency.recordedTtfb.count).toBeGreaterThan(0);
  });

  it('filters by app and time, and round-trips through NDJSON unchanged', async () => {
    const since = records[100]?.decision.at ?? 0;
    const some = await collect(readRecordsFromDb({ url, app: 'acme/chat', since }));
    expect(some).toHaveLength(500);
    expect(await collect(readRecordsFromDb({ url, app: 'other/app' }))).toHaveLength(0);
    const file = join(dir, 'records.ndjson');
    expect(await writeNdjson(file, readRecordsFromDb({ url }))).toBe(600);
    const again = await collect(readNdjson(file));
    const report = replayAll(again, opts);
    expect(report.identical).toBe(600);
  });

  it('notices when a recorded decision differs from what decide() gives', () => {
    const first = records[0];
    if (first === undefined) throw new Error('no records');
    const other = records.find((r) => r.decision.chosen !== first.decision.chosen && r.decision.chosen !== null);
    const tampered: DecisionRecord = { ...first, decision: { ...first.decision, chosen: other?.decision.chosen ?? 'x' } };
    const report = replayAll([tampered, ...records.slice(1, 10)], opts);
    expect(report.moved).toBe(1);
    expect(report.identical).toBe(9);
    expect(report.firstDifference).toContain(first.decision.id);
  });
});
