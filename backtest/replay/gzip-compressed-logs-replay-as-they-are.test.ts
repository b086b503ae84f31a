/**
 * An operator keeps old decision logs compressed. `switchyard replay --input log.ndjson.gz`
 * replays it as it is (it used to fail on line 1 with "not valid JSON" and the compressed bytes):
 * in order, on one thread, the same report as the plain file, and never reading a snapshot back
 * from an offset (a compressed file's offsets are not its lines').
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../control/cli/run-cli-in-process.ts';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { BacktestError } from '../errors.ts';
import { fileChunks, lineEnd, NdjsonDecoder, readNdjson, writeNdjson } from './ndjson.ts';
import { replayNdjsonParallel } from './parallel-replay.ts';
import { makeRecords } from './record-fixtures.ts';
import { ReplayAccumulator, type ReplayReport } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-gzip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plain = join(dir, 'log.ndjson');
const packed = join(dir, 'log.ndjson.gz');
const verify = { policy: null, strategy: null, assumedDurationMs: 1000, verify: true } as const;
const same = (r: ReplayReport): unknown => ({ ...r, wallMs: 0, decisionsPerSecond: 0 });
/** ~100 snapshot lines: more than the 64 kept parsed, so a snapshot named again late needs its text. */
const RECORDS = 2_000;

async function replayed(file: string): Promise<ReplayReport> {
  const acc = new ReplayAccumulator(verify);
  for await (const r of readNdjson(file, 64 * 1024)) acc.add(r);
  return acc.report();
}

beforeAll(async () => {
  // Decision 1,500 made on the file's first snapshot: a record names a snapshot written long before.
  await writeNdjson(plain, makeRecords(RECORDS, DEFAULT_POLICY, 'gzip', 1_750_000_000_000, 1_500));
  writeFileSync(packed, gzipSync(readFileSync(plain)));
}, 60_000);

describe('a gzip-compressed decision log', () => {
  it('replays in order with the plain file’s report, every decision identical', async () => {
    const r = await replayed(packed);
    expect(r).toMatchObject({ records: RECORDS, identical: RECORDS });
    expect(same(r)).toEqual(same(await replayed(plain)));
  });

  it('keeps the snapshot texts it would otherwise read back from an offset (a reader keeping 2 texts)', async () => {
    const acc = new ReplayAccumulator(verify);
    for await (const r of readNdjson(packed, 16 * 1024, { keptSnapshotTexts: 2 })) acc.add(r);
    expect(acc.report()).toMatchObject({ records: RECORDS, identical: RECORDS });
    // The plain file, read the same way, does read texts back (the check above can fail).
    const dec = new NdjsonDecoder(plain, undefined, 2);
    dec.offsetsKnown = true;
    const cursor = { at: 0, range: 0 };
    for await (const buf of fileChunks(plain, 16 * 1024, { cursor })) {
      dec.chunkAt = cursor.at;
      for (let s = 0; s < buf.length; s = lineEnd(buf, s) + 1) dec.line(buf, s, lineEnd(buf, s));
    }
    expect(dec.textsReadAgain).toBeGreaterThan(0);
  });

  it('made of several gzip members joined with cat reads every member', async () => {
    const joined = join(dir, 'joined.ndjson.gz');
    const text = readFileSync(plain, 'utf8');
    const half = text.indexOf('\n', text.length >> 1) + 1;
    writeFileSync(joined, Buffer.concat([gzipSync(text.slice(0, half)), gzipSync(text.slice(half))]));
    expect((await replayed(joined)).records).toBe(RECORDS);
  });

  it('cut short is an input-read error naming the file, not a partial report', async () => {
    const cut = join(dir, 'cut.ndjson.gz');
    const bytes = readFileSync(packed);
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    const run = replayed(cut);
    await expect(run).rejects.toBeInstanceOf(BacktestError);
    await expect(run).rejects.toThrow(`cannot read ${cut}`);
  });

  it('is what an export to a *.gz name writes, and reads back to the same report', async () => {
    const exported = join(dir, 'export.ndjson.gz');
    const records = makeRecords(200, DEFAULT_POLICY, 'export');
    expect(await writeNdjson(exported, records)).toBe(200);
    expect(readFileSync(exported).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const text = join(dir, 'export.ndjson');
    await writeNdjson(text, records);
    expect(gunzipSync(readFileSync(exported)).toString('utf8')).toBe(readFileSync(text, 'utf8'));
  });

  it.each(['x.ndjson', 'x.ndjson.gz'])('export to a directory that does not exist (%s): an output-write error naming the file, not a crash', async (name) => {
    const bad = join(dir, 'no-such-dir', name);
    const run = writeNdjson(bad, makeRecords(5, DEFAULT_POLICY, 'bad'));
    await expect(run).rejects.toBeInstanceOf(BacktestError);
    await expect(run).rejects.toMatchObject({ code: 'output-write' });
    await expect(run).rejects.toThrow(`cannot write ${bad}`);
    const r = await runCliInProcess(['replay', '--input', plain, '--export-ndjson', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot write ${bad}`);
  }, 60_000);

  it('is declined by the threads (no byte blocks), which the CLI then reads in order, saying so when --threads asked for more', async () => {
    expect(await replayNdjsonParallel({ file: packed, opts: verify, threads: 2 })).toBeNull();
    await expect(async () => {
      for await (const _ of fileChunks(packed, 1 << 20, { ranges: () => ({ from: 0, to: 10 }) })) void _;
    }).rejects.toThrow('gzip-compressed');
    const r = await runCliInProcess(['replay', '--input', packed, '--threads', '2', '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`identical to recorded: ${RECORDS.toLocaleString('en-US')}/${RECORDS.toLocaleString('en-US')}`);
    expect(r.stderr).toContain('is gzip-compressed, so it is read in order on one thread');
  }, 60_000);
});
