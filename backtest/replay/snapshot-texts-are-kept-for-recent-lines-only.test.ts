/**
 * A replay keeps the text of the last KEPT_SNAPSHOT_TEXTS (1,024) snapshot lines it read, not of
 * every one: kept for every snapshot line, the texts grew a replay's memory with the file (400 MB at
 * the end of a 1M-record file) and, live in V8's old generation, cost ~5 % of its CPU. A record
 * that names a snapshot read longer ago, whose parsed copy is gone too, has its text read again
 * from the line's offset, on every reader: in order, and on threads reading byte blocks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { fileChunks, lineEnd, NdjsonDecoder, readNdjson, writeNdjson } from './ndjson.ts';
import { replayNdjsonParallel } from './parallel-replay.ts';
import { makeRecords } from './record-fixtures.ts';
import { ReplayAccumulator } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-texts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'r.ndjson');
const verify = { policy: null, strategy: null, assumedDurationMs: 1000, verify: true } as const;
/** 2,000 records, a new snapshot every 20, and records 0 and 1,500 made on the first: 75 snapshots later, past the 64 kept parsed. */
const RECORDS = 2_000;
/** Texts kept in these tests: far fewer than the file's 100 snapshot lines. */
const KEPT = 8;

beforeAll(async () => {
  await writeNdjson(file, makeRecords(RECORDS, DEFAULT_POLICY, 'texts', 1_750_000_000_000, 1_500));
}, 120_000);

/** Every line of the file through one decoder, in order, as `readNdjson` feeds it. */
async function inOrder(dec: NdjsonDecoder, each: (dec: NdjsonDecoder, record: ReturnType<NdjsonDecoder['line']>) => void, from = file): Promise<void> {
  dec.offsetsKnown = true;
  const cursor = { at: 0, range: 0 };
  for await (const buf of fileChunks(from, 64 * 1024, { cursor })) {
    dec.chunkAt = cursor.at;
    for (let s = 0; s < buf.length; ) {
      const e = lineEnd(buf, s);
      each(dec, dec.line(buf, s, e));
      s = e + 1;
    }
  }
}

describe('snapshot texts', () => {
  it('are kept for the last few snapshot lines only: what the decoder holds does not grow with the file', async () => {
    let records = 0;
    let most = 0;
    await inOrder(new NdjsonDecoder(file, undefined, KEPT), (dec, r) => {
      if (r !== null) records++;
      most = Math.max(most, dec.retainedSnapshotText());
    });
    expect(records).toBe(RECORDS);
    // ~4,000 characters a line, 100 lines in the file: every text kept was 396,100 characters at the end.
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan((KEPT + 1) * 4_100);
  });

  it('are read again for a record naming a snapshot read long before, in order: every decision identical', async () => {
    const acc = new ReplayAccumulator(verify);
    const dec = new NdjsonDecoder(file, undefined, KEPT);
    await inOrder(dec, (_dec, r) => {
      if (r !== null) acc.add(r);
    });
    expect(acc.report()).toMatchObject({ records: RECORDS, identical: RECORDS });
    expect(dec.textsReadAgain).toBeGreaterThan(0);
  });

  it.each([1, 2])('are read again on %i thread(s) reading byte blocks: every decision identical', async (threads) => {
    const r = await replayNdjsonParallel({ file, opts: verify, threads, blockBytes: 256 * 1024, keptSnapshotTexts: KEPT });
    expect(r).toMatchObject({ records: RECORDS, identical: RECORDS });
  });

  // A log of many edge isolates alternates between their snapshots: more than the 64 first kept parsed.
  // Dropping each text once parsed read the file again for almost every record (2.8k decisions/s
  // against 16.8k on 2 threads, 100 isolates); the texts of the last 1,024 lines are kept for it.
  it('are kept for a log alternating between more snapshots than are first kept parsed: never read again, nor parsed for every record', async () => {
    const interleaved = join(dir, 'interleaved.ndjson');
    const runs = Array.from({ length: 80 }, (_, i) => makeRecords(25, DEFAULT_POLICY, `isolate-${i}`, 1_750_000_000_000 + i));
    await writeNdjson(interleaved, runs[0]?.flatMap((_, j) => runs.map((run) => run[j]).filter((r) => r !== undefined)) ?? []);
    const dec = new NdjsonDecoder(interleaved);
    const acc = new ReplayAccumulator(verify);
    await inOrder(dec, (_dec, r) => {
      if (r !== null) acc.add(r);
    }, interleaved);
    expect(acc.report()).toMatchObject({ records: 2_000, identical: 2_000 });
    expect(dec.textsReadAgain).toBe(0);
    // 160 distinct snapshots, 80 in use at a time: with room for 64 parsed, every record parsed its
    // snapshot again (2,000 parses, 2.5x slower); the room doubles once it has parsed 64 again.
    expect(dec.snapshotsParsed).toBeLessThan(400);
  });

  it('are all the reader needs with the default number kept: every decision identical', async () => {
    const acc = new ReplayAccumulator(verify);
    for await (const r of readNdjson(file)) acc.add(r);
    expect(acc.report()).toMatchObject({ records: RECORDS, identical: RECORDS });
  });
});
