/**
 * The byte-level NDJSON reader (`ndjson.ts`): every line shape an exporter ever wrote
 * reads back to the same record as a whole-line parse, at any chunk size; every
 * malformed line is a `bad-record` error naming the file and line number, never a crash.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { type DecisionRecord, recordFromNdjsonLine, recordToNdjsonLine, serializeInput, serializeSnapshot } from '../decision-record.ts';
import { BacktestError } from '../errors.ts';
import { briefOf, type ReplayRecord } from './lazy-record.ts';
import { readNdjson } from './ndjson.ts';
import { makeRecords } from './record-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'ndjson-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [a, b] = makeRecords(2, DEFAULT_POLICY, 'reader');
if (a === undefined || b === undefined) throw new Error('fixture');
const snapLine = (id: string, snap = a.input.snapshot): string => `{"v":1,"snapshotId":${JSON.stringify(id)},"snapshot":${JSON.stringify(serializeSnapshot(snap))}}`;
const refLine = (r = a, id = 's1'): string => {
  const { snapshot: _s, ...input } = serializeInput(r.input);
  void _s;
  return JSON.stringify({ v: 1, decision: r.decision, outcomes: r.outcomes, input: { ...input, snapshotRef: id } });
};
const otherOrder = (r = a, id = 's1'): string => {
  const { snapshot: _s, ...input } = serializeInput(r.input);
  void _s;
  return JSON.stringify({ input: { snapshotRef: id, ...input }, outcomes: r.outcomes, v: 1, decision: r.decision });
};

let fileNo = 0;
async function read(text: string, chunk?: number): Promise<{ file: string; records: ReplayRecord[] }> {
  const file = join(dir, `f${fileNo++}.ndjson`);
  writeFileSync(file, text);
  const records: ReplayRecord[] = [];
  for await (const r of readNdjson(file, chunk)) records.push(r);
  return { file, records };
}

function expectSame(got: ReplayRecord | undefined, want: DecisionRecord): void {
  if (got === undefined) throw new Error('missing record');
  const slow = recordFromNdjsonLine(recordToNdjsonLine(want), 'want');
  expect(got.decision).toEqual(slow.decision);
  expect(got.input).toEqual(slow.input);
  expect(got.outcomes).toEqual(slow.outcomes);
  if (got.brief !== undefined) expect(got.brief).toEqual(briefOf(slow.decision));
}

describe('NDJSON reader: good lines', () => {
  const cases: ReadonlyArray<{ name: string; text: string }> = [
    { name: 'writer layout (snapshot lines + refs)', text: `${snapLine('s1')}\n${refLine(a)}\n${refLine(b)}\n` },
    { name: 'no newline at the end', text: `${snapLine('s1')}\n${refLine(a)}\n${refLine(b)}` },
    { name: 'CRLF line ends and blank lines', text: `${snapLine('s1')}\r\n\r\n${refLine(a)}\r\n  \n${refLine(b)}\r\n` },
    { name: 'plain v1 lines, snapshot inline', text: `${recordToNdjsonLine(a)}\n${recordToNdjsonLine(b)}\n` },
    { name: 'other key order with a snapshotRef', text: `${snapLine('s1')}\n${otherOrder(a)}\n${otherOrder(b)}\n` },
    { name: 'mixed, two snapshots', text: `${snapLine('s1')}\n${snapLine('s2', b.input.snapshot)}\n${refLine(a, 's1')}\n${recordToNdjsonLine(b)}\n` },
  ];
  for (const c of cases) {
    for (const chunk of [undefined, 64, 1000]) {
      it(`${c.name} (chunk ${chunk ?? 'default'})`, async () => {
        const { records } = await read(c.text, chunk);
        expect(records).toHaveLength(2);
        expectSame(records[0], a);
        expectSame(records[1], b);
      });
    }
  }
});

describe('NDJSON reader: a malformed line is a bad-record error naming file and line', () => {
  const good = refLine(a);
  const cases: ReadonlyArray<{ name: string; text: string; line: number; message: RegExp }> = [
    { name: 'garbage', text: `${snapLine('s1')}\nhello\n`, line: 2, message: /not valid JSON/ },
    { name: 'truncated record', text: `${snapLine('s1')}\n${good.slice(0, 2000)}\n`, line: 2, message: /not valid JSON/ },
    { name: 'truncated after the snapshotRef', text: `${snapLine('s1')}\n${good.slice(0, -1)}\n`, line: 2, message: /not valid JSON/ },
    { name: 'unknown snapshotRef', text: `${snapLine('s1')}\n${refLine(a, 's9')}\n`, line: 2, message: /snapshotRef "s9" names no earlier snapshot line/ },
    { name: 'ref before its snapshot line', text: `${refLine(a)}\n${snapLine('s1')}\n`, line: 1, message: /names no earlier snapshot line/ },
    { name: 'a JSON array', text: `[1,2]\n`, line: 1, message: /must be a JSON object/ },
    { name: 'broken snapshot line', text: `${good}\n{"v":1,"snapshotId":"s1","snapshot":{\n`, line: 1, message: /names no earlier/ },
    { name: 'snapshot line not JSON', text: `{"v":1,"snapshotId":"s1","snapshot":{\n${good}\n`, line: 1, message: /not valid JSON/ },
    { name: 'snapshot id not a string', text: `{"v":1,"snapshotId":7,"snapshot":{}}\n`, line: 1, message: /snapshotId must be a string/ },
    { name: 'bad snapshot, found when used', text: `{"v":1,"snapshotId":"s1","snapshot":{"app":1}}\n\n${good}\n`, line: 3, message: /snapshot s1 \(.*:1\)/ },
    { name: 'a newer record format, other key order', text: `${snapLine('s1')}\n${otherOrder(a).replace('"v":1,"decision"', '"v":2,"decision"')}\n`, line: 2, message: /\.v is 2; this replay reads decision record format v1/ },
    { name: 'a newer record format, plain line', text: `${recordToNdjsonLine(a).replace('{"v":1,', '{"v":2,')}\n`, line: 1, message: /\.v is 2; this replay reads decision record format v1/ },
    { name: 'wrong input version', text: `${snapLine('s1')}\n${good.replace('"input":{"v":1', '"input":{"v":2')}\n`, line: 2, message: /input\.v is 2/ },
    { name: 'seed missing', text: `${snapLine('s1')}\n${good.replace(/("input":\{.*)"seed":"[^"]*",/, '$1')}\n`, line: 2, message: /seed must be a string/ },
    { name: 'decision head broken', text: `${snapLine('s1')}\n${good.replace('"id":"', '"id":')}\n`, line: 2, message: /not valid JSON/ },
    { name: 'outcomes broken', text: `${snapLine('s1')}\n${good.replace(/"outcomes":\[.*?\],"input"/, '"outcomes":[{],"input"')}\n`, line: 2, message: /outcomes: not valid JSON/ },
    { name: 'policy broken', text: `${snapLine('s1')}\n${good.replace('"policy":{', '"policy":{{')}\n`, line: 2, message: /not valid JSON/ },
    { name: 'plain v1 line without input', text: `{"v":1,"decision":{},"outcomes":[]}\n`, line: 1, message: /input must be a JSON object/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const err = await read(c.text, 64).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BacktestError);
      const e = err as BacktestError;
      expect(e.code).toBe('bad-record');
      expect(e.message).toMatch(new RegExp(`f\\d+\\.ndjson:${c.line}\\b`));
      expect(e.message).toMatch(c.message);
    });
  }
});
