/**
 * A libSQL replay that does not verify reads each decision's brief (its row's head columns and
 * the chosen candidate's estimate and price, cut out by SQLite), never its ~5 KB explanation;
 * one that verifies still reads every explanation whole. Against REAL libSQL: the briefs equal
 * those of the recorded decisions to the bit, the reports equal a whole read's and the NDJSON
 * export's, rows of another shape are read whole, and the CLI picks the read by `--verify`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../control/cli/run-cli-in-process.ts';
import { DEFAULT_POLICY } from '../decision-port.ts';
import type { DecisionRecord } from '../decision-record.ts';
import { BacktestError } from '../errors.ts';
import { policyFromEnvText } from '../policy-file.ts';
import { briefOf, type ReplayRecord } from './lazy-record.ts';
import { readNdjson, writeNdjson } from './ndjson.ts';
import { readRecordsFromDb } from './read-records-db.ts';
import { insertRecords, makeRecords, writeRecordsToDb } from './record-fixtures.ts';
import { replayAll, type ReplayOptions, type ReplayReport } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'db-briefs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const altered: ReplayOptions = { policy: policyFromEnvText('ROUTE_LATENCY_VALUE_USD=0', 'no-cost.env'), strategy: null, assumedDurationMs: 1000, verify: false };
const records = makeRecords(300, DEFAULT_POLICY, 'briefs');

async function collect(it: AsyncIterable<ReplayRecord>): Promise<ReplayRecord[]> {
  const out: ReplayRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** A report without its timings, which differ run to run. */
const timeless = (r: ReplayReport): ReplayReport => ({ ...r, wallMs: 0, decisionsPerSecond: 0 });

/** A database of the records: the first half with snapshots inline (older rows), the rest naming theirs. */
async function database(name: string): Promise<string> {
  const url = `file:${join(dir, name)}`;
  await writeRecordsToDb(url, records.slice(150), 'referenced');
  const db = createClient({ url });
  await insertRecords(db, records.slice(0, 150), 'inline');
  db.close();
  return url;
}

describe('replay from libSQL reads briefs unless it verifies', () => {
  it('gives every record the brief of its recorded decision, and the same report as a whole read and as NDJSON', async () => {
    const url = await database('both-forms.db');
    const briefs = await collect(readRecordsFromDb({ url, pageSize: 64, briefOnly: true }));
    expect(briefs.map((r) => r.brief)).toEqual(records.map((r) => briefOf(r.decision)));
    expect(briefs.every((r) => r.brief?.chosen !== null)).toBe(true);

    const whole = await collect(readRecordsFromDb({ url, pageSize: 64 }));
    const fromBriefs = timeless(replayAll(briefs, altered));
    expect(fromBriefs.moved).toBeGreaterThan(0);
    expect(fromBriefs).toEqual(timeless(replayAll(whole, altered)));
    const file = join(dir, 'both-forms.ndjson');
    await writeNdjson(file, readRecordsFromDb({ url }));
    expect(fromBriefs).toEqual(timeless(replayAll(await collect(readNdjson(file)), altered)));
    // Reading whole still proves exact reproduction.
    expect(replayAll(whole, { ...altered, policy: null, verify: true })).toMatchObject({ records: 300, identical: 300 });
  });

  it('says a brief-only record has no whole decision, so a verifying replay cannot pass silently', async () => {
    const url = await database('brief-only.db');
    const [first] = await collect(readRecordsFromDb({ url, limit: 1, briefOnly: true }));
    expect(() => first?.decision).toThrow(BacktestError);
    expect(() => first?.decision).toThrow(/decisions row d-0 was read with its brief only \(briefOnly\)/);
    expect(() => replayAll(first === undefined ? [] : [first], { ...altered, policy: null, verify: true })).toThrow(/briefOnly/);
  });

  it('reads a row whole when SQLite cannot cut its brief out, and names a row whose explanation is not JSON', async () => {
    const url = await database('odd-rows.db');
    const db = createClient({ url });
    // Its chosen candidate left out of the explanation: no numbers to cut out; the whole read gives none either.
    const d = records[200]?.decision;
    if (d === undefined) throw new Error('fixture');
    const edited: DecisionRecord['decision'] = { ...d, candidates: d.candidates.filter((c) => c.clusterId !== d.chosen) };
    await db.execute({ sql: 'UPDATE decisions SET explanation_json = ? WHERE id = ?', args: [JSON.stringify(edited), d.id] });
    const briefs = await collect(readRecordsFromDb({ url, pageSize: 64, briefOnly: true }));
    const odd = briefs[200];
    expect(odd?.brief ?? (odd === undefined ? null : briefOf(odd.decision))).toEqual({ ...briefOf(d), chosenLatencyMs: null, chosenPricePerHour: null });
    expect(timeless(replayAll(briefs, altered))).toEqual(timeless(replayAll(await collect(readRecordsFromDb({ url, pageSize: 64 })), altered)));

    await db.execute({ sql: 'UPDATE decisions SET explanation_json = ? WHERE id = ?', args: ['{"id":"d-7", not json', 'd-7'] });
    db.close();
    for (const briefOnly of [false, true]) {
      await expect(collect(readRecordsFromDb({ url, briefOnly }))).rejects.toMatchObject({ code: 'bad-record', message: expect.stringMatching(/^decisions row d-7: explanation_json: not valid JSON/) });
    }
  });

  it('the CLI verifies from whole decisions and replays an altered policy from briefs, as from the NDJSON export', async () => {
    const url = await database('cli.db');
    const verified = await runCliInProcess(['replay', '--db', url, '--out', join(dir, 'verified')]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('identical to recorded: 300/300');

    writeFileSync(join(dir, 'no-cost.env'), 'ROUTE_LATENCY_VALUE_USD=0\n');
    const nd = join(dir, 'cli.ndjson');
    expect((await runCliInProcess(['replay', '--db', url, '--export-ndjson', nd])).code).toBe(0);
    const reports = [];
    for (const source of [['--db', url], ['--input', nd, '--threads', '1']]) {
      const out = join(dir, `altered-${source[0]?.slice(2) ?? ''}`);
      const r = await runCliInProcess(['replay', ...source, '--policy', join(dir, 'no-cost.env'), '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      reports.push(timeless(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReplayReport));
    }
    expect(reports[0]?.moved).toBeGreaterThan(0);
    expect(reports[0]).toEqual(reports[1]);
  }, 60_000);
});
