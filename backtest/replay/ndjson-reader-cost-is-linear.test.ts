/**
 * Reading a replay file costs in proportion to its size. The reader's key searches once ran
 * past the line they belonged to (`Buffer.indexOf` has no end): a key absent from a line,
 * like the canary note on nearly every record, was searched for through the rest of the
 * 1 MB chunk, so each record cost ~0.5 MB of scanning and 200k decisions 69 s of CPU instead
 * of ~13. The bytes the native searches look at are counted here; a line-bounded reader looks
 * at each byte a few times, the unbounded one at each byte hundreds of times.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { readNdjson, writeNdjson } from './ndjson.ts';
import { makeRecords } from './record-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-linear-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Counts the bytes Buffer.indexOf looks at (up to its hit, or to the end of the buffer when absent). */
function countSearchedBytes(): { bytes: number } {
  const seen = { bytes: 0 };
  const indexOf = Buffer.prototype.indexOf as (this: Buffer, ...args: unknown[]) => number;
  vi.spyOn(Buffer.prototype, 'indexOf').mockImplementation(function (this: Buffer, ...args: unknown[]): number {
    const i = indexOf.apply(this, args);
    const from = typeof args[1] === 'number' ? args[1] : 0;
    seen.bytes += (i < 0 ? this.length : i) - from;
    return i;
  });
  return seen;
}

describe('the NDJSON reader looks at each byte a bounded number of times', () => {
  // ~400 records of ~6 KB: a few 1 MB chunks, no canary notes (the common case).
  const file = join(dir, 'records.ndjson');
  const ready = writeNdjson(file, makeRecords(400, DEFAULT_POLICY, 'linear'));

  it.each([
    ['readNdjson (replay --threads 1)', async (): Promise<void> => {
      let n = 0;
      for await (const r of readNdjson(file)) n += r.brief === undefined ? 0 : 1;
      expect(n).toBe(400);
    }],
  ])('%s searches at most a few times the file size', async (_name, read) => {
    await ready;
    const size = statSync(file).size;
    const seen = countSearchedBytes();
    await read();
    expect(seen.bytes).toBeGreaterThan(0);
    expect(seen.bytes).toBeLessThan(4 * size);
  });
});
