/**
 * A replay keeps a snapshot line's text only until a record first needs it parsed: kept for
 * every snapshot line, the texts grew a replay's memory with the file (400 MB at the end of a
 * 1M-record file) and, promoted to V8's old generation, cost ~5 % of its CPU. A record that names
 * a snapshot parsed long before (no longer among the parsed ones kept) has its text read again
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

beforeAll(async () => {
  await writeNdjson(file, makeRecords(RECORDS, DEFAULT_POLICY, 'texts', 1_750_000_000_000, 1_500));
}, 120_000);

describe('snapshot texts', () => {
  it('are not held once parsed: what the decoder holds does not grow with the file', async () => {
    const dec = new NdjsonDecoder(file);
    dec.offsetsKnown = true;
    const cursor = { at: 0, range: 0 };
    let records = 0;
    let most = 0;
    for await (const buf of fileChunks(file, 64 * 1024, { cursor })) {
      dec.chunkAt = cursor.at;
      for (let s = 0; s < buf.length; ) {
        const e = lineEnd(buf, s);
        if (dec.line(buf, s, e) !== null) records++;
        most = Math.max(most, dec.retainedSnapshotText());
        s = e + 1;
      }
    }
    expect(records).toBe(RECORDS);
    // At most the snapshot line just read, before its first record parses it (~4,000 characters each; 100 lines in the file).
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(8_000);
  });

  it('are read again for a record naming a snapshot parsed long before, in order: every decision identical', async () => {
    const acc = new ReplayAccumulator(verify);
    for await (const r of readNdjson(file)) acc.add(r);
    expect(acc.report()).toMatchObject({ records: RECORDS, identical: RECORDS });
  });

  it.each([1, 2])('are read again on %i thread(s) reading byte blocks: every decision identical', async (threads) => {
    const r = await replayNdjsonParallel({ file, opts: verify, threads, blockBytes: 256 * 1024 });
    expect(r).toMatchObject({ records: RECORDS, identical: RECORDS });
  });
});
