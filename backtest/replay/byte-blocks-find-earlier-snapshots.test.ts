/**
 * Replay threads read a file in byte blocks, each only its own (`replay-share.ts`). A record
 * names its snapshot by id, written once where it first appeared, often in a block another
 * thread read; two exports joined with `cat` use the same ids for different snapshots. Every
 * record must still be replayed on the snapshot the nearest earlier line with its id holds, as
 * a reader that reads every line in order does: with `verify` any other snapshot shows up as a
 * decision that is not identical.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { BacktestError } from '../errors.ts';
import { fileChunks, readNdjson, writeNdjson, type ByteRange } from './ndjson.ts';
import { replayNdjsonParallel } from './parallel-replay.ts';
import { makeRecords } from './record-fixtures.ts';
import { ReplayAccumulator, type ReplayReport } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const joined = join(dir, 'joined.ndjson');
const verify = { policy: null, strategy: null, assumedDurationMs: 1000, verify: true } as const;
const same = (r: ReplayReport | null): unknown =>
  r === null ? null : { ...r, wallMs: 0, decisionsPerSecond: 0 };
/** ~40 records of ~6 KB per block: a 600-record file has ~15 blocks. */
const SMALL_BLOCKS = 256 * 1024;
let records = 0;
let inOrder: ReplayReport;

beforeAll(async () => {
  // Two exports, each with every third decision made on its first snapshot (line 1 of its part),
  // the second from another day: both parts call their snapshots s1, s2, …
  const a = join(dir, 'a.ndjson');
  const b = join(dir, 'b.ndjson');
  records += await writeNdjson(a, makeRecords(300, DEFAULT_POLICY, 'part-a', 1_750_000_000_000, 3));
  records += await writeNdjson(b, makeRecords(300, DEFAULT_POLICY, 'part-b', 1_760_000_000_000, 3));
  writeFileSync(joined, readFileSync(a, 'utf8') + readFileSync(b, 'utf8'));
  const acc = new ReplayAccumulator(verify);
  for await (const r of readNdjson(joined)) acc.add(r);
  inOrder = acc.report();
}, 120_000);

describe('a thread reading byte blocks finds the snapshots written before its blocks', () => {
  it('the in-order reader replays every record of the joined file identically (the check below can fail)', () => {
    expect(inOrder.records).toBe(600);
    expect(inOrder.identical).toBe(600);
  });

  it.each([
    [1, true],
    [2, true],
    [3, true],
    [2, false],
    [3, false],
  ])(
    '%i threads (calling thread replays: %s): every decision identical, the in-order report',
    async (threads, callerReplays) => {
      const r = await replayNdjsonParallel({
        file: joined,
        opts: verify,
        threads,
        callerReplays,
        blockBytes: SMALL_BLOCKS,
      });
      expect(r?.records).toBe(records);
      expect(r?.identical).toBe(records);
      expect(same(r)).toEqual(same(inOrder));
    },
    120_000,
  );

  it('a snapshotRef that names no earlier line fails with that record’s line number, from any block', async () => {
    const lines = readFileSync(joined, 'utf8').split('\n');
    const k = lines.findIndex((l, n) => n > 400 && l.includes('"snapshotRef":"s1"}'));
    lines[k] = (lines[k] ?? '').replace('"snapshotRef":"s1"}', '"snapshotRef":"nowhere"}');
    const broken = join(dir, 'unknown-ref.ndjson');
    writeFileSync(broken, lines.join('\n'));
    for (const callerReplays of [true, false]) {
      const run = replayNdjsonParallel({
        file: broken,
        opts: verify,
        threads: 2,
        callerReplays,
        blockBytes: SMALL_BLOCKS,
      });
      await expect(run).rejects.toBeInstanceOf(BacktestError);
      await expect(run).rejects.toThrow(
        `unknown-ref.ndjson:${k + 1}: snapshotRef "nowhere" names no earlier snapshot line`,
      );
    }
  }, 120_000);
});

describe('byte ranges share out a file’s lines', () => {
  /** Every line given by reading `file` in ranges of `step` bytes, in order, with the offset each starts at. */
  async function linesByRanges(
    file: string,
    step: number,
    size: number,
    chunk: number,
  ): Promise<Array<[number, string]>> {
    let next = 0;
    const ranges = (): ByteRange | null =>
      next >= size ? null : { from: next, to: Math.min(size, (next += step)) };
    const cursor = { at: 0, range: 0 };
    const out: Array<[number, string]> = [];
    for await (const buf of fileChunks(file, chunk, { ranges, cursor })) {
      for (let s = 0; s < buf.length;) {
        const e = buf.indexOf(10, s);
        const end = e < 0 ? buf.length : e;
        out.push([cursor.at + s, buf.toString('utf8', s, end)]);
        s = end + 1;
      }
    }
    return out;
  }

  it.each([
    [
      'lines shorter and longer than the read size, a last line without a newline',
      'a\nbb\n' + 'c'.repeat(70) + '\n\nddd\n' + 'e'.repeat(40) + '\nf',
    ],
    ['a newline at the very end', 'one\ntwo\nthree\n'],
    ['one long line', 'x'.repeat(200)],
  ])('%s: each line once, whole, at its offset, for every range size', async (_, text) => {
    const file = join(dir, 'lines.txt');
    writeFileSync(file, text);
    const expected: Array<[number, string]> = [];
    let at = 0;
    for (const l of text.split('\n')) {
      expected.push([at, l]);
      at += l.length + 1;
    }
    // A trailing newline ends the last line: no empty line after it.
    if (text.endsWith('\n')) expected.pop();
    for (const step of [1, 2, 3, 5, 8, 13, 64, 1000]) {
      for (const chunk of [4, 16, 1 << 20])
        expect(
          await linesByRanges(file, step, text.length, chunk),
          `ranges of ${step}, reads of ${chunk}`,
        ).toEqual(expected);
    }
  });
});
