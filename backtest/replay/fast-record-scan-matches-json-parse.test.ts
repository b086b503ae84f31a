import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { recordFromObject, type DecisionRecord } from '../decision-record.ts';
import { policyFromEnvText } from '../policy-file.ts';
import { briefOf, type ReplayRecord } from './lazy-record.ts';
import { lineEnd, NdjsonDecoder, writeNdjson } from './ndjson.ts';
import { makeRecords } from './record-fixtures.ts';

/**
 * The NDJSON reader reads a writer-layout record's small parts straight from its bytes
 * (`record-scan.ts`) instead of `JSON.parse`. Every record it gives must equal what a whole-line
 * `JSON.parse` of the same line gives, for the lines `writeNdjson` writes and for edited ones
 * that sit at the edges of the strict shape (numbers in other forms, escapes, non-ASCII, another
 * policy, spaces): those either scan to the same values or are read the general way.
 */
const altered = policyFromEnvText('ROUTE_LATENCY_VALUE_USD=0', 'alt.env');

async function writerLines(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'record-scan-'));
  try {
    const file = join(dir, 'r.ndjson');
    // Two policies: the scan reuses the record before's policy, so the switch must be read the general way.
    await writeNdjson(file, [...makeRecords(240, DEFAULT_POLICY, 'scan'), ...makeRecords(120, altered, 'scan-b', 1_760_000_000_000)]);
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Replaces the last occurrence of `from` (the input's own keys come after the decision's). */
function replaceLast(line: string, from: RegExp, to: (m: string) => string): string {
  const all = [...line.matchAll(new RegExp(from.source, 'g'))];
  const m = all[all.length - 1];
  if (m === undefined || m.index === undefined) throw new Error(`${from.source} is not in the line`);
  return line.slice(0, m.index) + to(m[0]) + line.slice(m.index + m[0].length);
}

/** Edits at the edges of the strict shape, each applied to one record line. */
const EDITS: ReadonlyArray<[string, (line: string) => string]> = [
  ['a non-ASCII decision id', (l) => l.replace(/"id":"d-(\d+)"/, '"id":"d-$1-é"')],
  ['an escaped quote in the seed', (l) => replaceLast(l, /"seed":"[^"]*"/, (m) => `${m.slice(0, -1)}\\"x"`)],
  ['`at` with an exponent', (l) => l.replace(/"at":(\d+)/, (_m, d: string) => `"at":${Number(d) / 1e12}e12`)],
  ['a negative `at`', (l) => l.replace(/"at":(\d+)/, '"at":-$1')],
  ['a negative fractional `now`', (l) => replaceLast(l, /"now":\d+/, (m) => `"now":-${m.slice(6)}.25`)],
  ['a 16-digit `now`', (l) => replaceLast(l, /"now":\d+/, (m) => `"now":${m.slice(6)}123`)],
  ['`now` after a space', (l) => replaceLast(l, /"now":/, () => '"now": ')],
  ['a stale snapshot', (l) => replaceLast(l, /"staleSnapshot":false/, () => '"staleSnapshot":true')],
  ['`staleSnapshot` as 0', (l) => replaceLast(l, /"staleSnapshot":false/, () => '"staleSnapshot":0')],
  ['no chosen cluster', (l) => l.replace(/"chosen":"[^"]*"/, '"chosen":null')],
  ['a non-ASCII country in the request', (l) => l.replace(/"country":"[A-Z]+"/, '"country":"ÜS"')],
  ['two outcomes, one with no TTFB or cluster', (l) => l.replace(',"outcomes":[]', ',"outcomes":[{"attempt":0,"proxyId":"p-1","clusterId":null,"status":502,"ttfbMs":null,"durationMs":12.5},{"attempt":1,"proxyId":"p-2","clusterId":"eu-west-mid","status":200,"ttfbMs":-0,"durationMs":1e3}]')],
  ['an outcome with another key', (l) => l.replace(',"outcomes":[]', ',"outcomes":[{"attempt":0,"proxyId":"p","clusterId":"c","status":200,"ttfbMs":5,"durationMs":9,"error":null}]')],
  ['an outcome whose keys come in another order', (l) => l.replace(',"outcomes":[]', ',"outcomes":[{"proxyId":"p","attempt":0,"clusterId":"c","status":200,"ttfbMs":5,"durationMs":9}]')],
  ['outcomes with a space', (l) => l.replace(',"outcomes":[]', ',"outcomes":[ ]')],
  ['an origin before the request', (l) => l.replace('"input":{"v":1,"request"', '"input":{"v":1,"scope":"region","region":"eu","request"')],
  ['a strategy state after the seed', (l) => l.replace(/,"staleSnapshot":false,"snapshotRef"/, ',"staleSnapshot":false,"strategyState":{"roundRobinCursor":2,"outstanding":[]},"snapshotRef"')],
];

/** Each record as a whole-line JSON.parse reads it, with its snapshot line resolved. */
function parsedWhole(lines: readonly string[]): DecisionRecord[] {
  const snapshots = new Map<string, unknown>();
  const out: DecisionRecord[] = [];
  for (const [k, line] of lines.entries()) {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (typeof o['snapshotId'] === 'string') {
      snapshots.set(o['snapshotId'], o['snapshot']);
      continue;
    }
    const { snapshotRef, ...input } = o['input'] as Record<string, unknown>;
    out.push(recordFromObject({ ...o, input: { ...input, snapshot: snapshots.get(String(snapshotRef)) } }, `line ${k + 1}`));
  }
  return out;
}

function decoded(lines: readonly string[]): { records: ReplayRecord[]; scanned: number } {
  const dec = new NdjsonDecoder('t.ndjson');
  const buf = Buffer.from(`${lines.join('\n')}\n`);
  const records: ReplayRecord[] = [];
  for (let s = 0; s < buf.length; ) {
    const e = lineEnd(buf, s);
    const r = dec.line(buf, s, e);
    if (r !== null) records.push(r);
    s = e + 1;
  }
  return { records, scanned: dec.scannedLines };
}

function expectSame(got: readonly ReplayRecord[], want: readonly DecisionRecord[]): void {
  expect(got).toHaveLength(want.length);
  for (const [k, w] of want.entries()) {
    const g = got[k];
    expect(g?.input, `record ${k}: input`).toEqual(w.input);
    expect(g?.outcomes, `record ${k}: outcomes`).toEqual(w.outcomes);
    expect(g?.brief, `record ${k}: brief`).toEqual(briefOf(w.decision));
    expect(g?.decision, `record ${k}: decision`).toEqual(w.decision);
    expect(g?.canary ?? null).toBeNull();
  }
}

describe("the reader's byte scan of a record's small parts gives what JSON.parse gives", () => {
  it('on the lines writeNdjson writes, nearly all of them read by the scan', async () => {
    const lines = await writerLines();
    const { records, scanned } = decoded(lines);
    expectSame(records, parsedWhole(lines));
    // All but the first record of each policy (which a scan does not take: it reuses the record before's).
    expect(scanned).toBe(records.length - 2);
  }, 60_000);

  it.each(EDITS)('on a line with %s', async (_what, edit) => {
    const lines = await writerLines();
    // Edit a record in the middle of a policy's run (the scan would take it) and the one after it.
    const at = lines.findIndex((l, k) => k > 40 && l.startsWith('{"v":1,"decision":') && l.includes('"outcomes":[]'));
    const edited = lines.map((l, k) => (k === at || k === at + 1) && l.startsWith('{"v":1,"decision":') ? edit(l) : l);
    expect(edited[at]).not.toBe(lines[at]);
    expectSame(decoded(edited).records, parsedWhole(edited));
  }, 60_000);

  it('names the line of a scanned record whose explanation turns out broken when its decision is read', async () => {
    const lines = await writerLines();
    const at = lines.findIndex((l, k) => k > 40 && l.startsWith('{"v":1,"decision":'));
    const edited = lines.map((l, k) => (k === at ? l.replace(',"summary":"', ',"summary":') : l));
    const dec = decoded(edited);
    const r = dec.records[edited.slice(0, at).filter((l) => l.startsWith('{"v":1,"decision":')).length];
    expect(r?.brief?.id).toBe((JSON.parse(lines[at] ?? '') as { decision: { id: string } }).decision.id);
    expect(() => r?.decision).toThrow(new RegExp(`^t\\.ndjson:${at + 1}: decision: not valid JSON`));
  }, 60_000);
});
