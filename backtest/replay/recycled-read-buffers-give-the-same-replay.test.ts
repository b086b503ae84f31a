/**
 * Replays read their file through two reused buffers (`fileChunks`' `recycle`) instead of a
 * fresh 1 MB buffer per chunk, whose page faults and zeroing cost ~4 µs per record in every
 * replay thread. Reuse is only safe if no byte a record still needs is overwritten: these
 * tests read with chunks smaller than a record, so carries, long lines and buffer growth all
 * happen, and compare with the fresh-buffer reader.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { policyFromEnvText } from '../policy-file.ts';
import { countRecordLines, fileChunks, readNdjson, writeNdjson } from './ndjson.ts';
import { replayNdjsonParallel } from './parallel-replay.ts';
import { makeRecords } from './record-fixtures.ts';
import { ReplayAccumulator, type ReplayReport } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-recycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, 'records.ndjson');
const ready = writeNdjson(file, makeRecords(300, DEFAULT_POLICY, 'recycle'));
const same = (r: ReplayReport | null): unknown => (r === null ? null : { ...r, wallMs: 0, decisionsPerSecond: 0 });
const policy = policyFromEnvText('ROUTE_LATENCY_VALUE_USD=0', 'test.env');

async function replayed(chunk: number | undefined, recycle: boolean, verify: boolean): Promise<ReplayReport> {
  const acc = new ReplayAccumulator({ policy: verify ? null : policy, strategy: null, assumedDurationMs: 1000, verify });
  for await (const r of readNdjson(file, chunk, { recycle })) acc.add(r);
  return acc.report();
}

describe('reused read buffers', () => {
  it('yield the same lines as fresh ones, through two buffers while lines fit, growing for a longer one', async () => {
    // Chunks of 8 KiB (above Buffer's pool, so each buffer has its own ArrayBuffer); one 20,000-byte line.
    const lines = ['a'.repeat(3000), 'b'.repeat(1000), ...Array.from({ length: 12 }, (_, i) => String(i).repeat(5000)), 'c'.repeat(20_000), 'd', 'e'.repeat(6000), ''];
    const small = join(dir, 'lines.txt');
    writeFileSync(small, lines.join('\n'));
    const read = async (recycle: boolean): Promise<{ text: string; buffers: Set<ArrayBuffer> }> => {
      let text = '';
      const buffers = new Set<ArrayBuffer>();
      // Each chunk is read before the next is asked for, as a replay does.
      for await (const b of fileChunks(small, 8192, { recycle })) {
        text += b.toString('latin1');
        buffers.add(b.buffer as ArrayBuffer);
      }
      return { text, buffers };
    };
    const fresh = await read(false);
    const reused = await read(true);
    expect(reused.text).toBe(lines.join('\n'));
    expect(reused.text).toBe(fresh.text);
    expect(fresh.buffers.size).toBeGreaterThan(10);
    // The two reused ones, and the bigger ones the 20,000-byte line grows through (16, 32, 64 KiB at most).
    expect(reused.buffers.size).toBeLessThanOrEqual(5);
  });

  it.each([
    ['chunks smaller than one record (every line carried over and grown)', 4096],
    ['chunks of a few records', 64 * 1024],
    ['the default 1 MB chunks', undefined],
  ])('give the same replay report as fresh buffers, unverified and verified: %s', async (_, chunk) => {
    await ready;
    const freshUnverified = await replayed(chunk, false, false);
    expect(freshUnverified.moved).toBeGreaterThan(0);
    expect(same(await replayed(chunk, true, false))).toEqual(same(freshUnverified));
    // Verify decodes each record's decision bytes after reading it: those bytes must still be intact.
    const verified = await replayed(chunk, true, true);
    expect(verified.identical).toBe(300);
    expect(same(verified)).toEqual(same(await replayed(chunk, false, true)));
  });

  it('in replay threads (which reuse them) give the report of one thread with fresh buffers', async () => {
    await ready;
    const two = await replayNdjsonParallel({ file, opts: { policy, strategy: null, assumedDurationMs: 1000, verify: false }, threads: 2 });
    expect(same(two)).toEqual(same(await replayed(undefined, false, false)));
  });
});

describe('the progress bar total', () => {
  it('counts the record lines of the file, as the replay counts its progress (snapshot and blank lines are not records)', async () => {
    await ready;
    const small = join(dir, 'count.txt');
    writeFileSync(small, '{"a":1}\n\n  \r\n{"v":1,"snapshotId":"s1","snapshot":{}}\n{"b":2}\n{"c":3}');
    expect(await countRecordLines(small)).toBe(3);
    // 300 records; the file also has one snapshot line per 20 decisions (the total was 315, so the bar stopped at 95 %).
    expect(await countRecordLines(file)).toBe(300);
    let last = 0;
    await replayNdjsonParallel({ file, opts: { policy: null, strategy: null, assumedDurationMs: 1000, verify: false }, threads: 2 }, (n) => (last = n));
    expect(last).toBe(300);
  });
});
