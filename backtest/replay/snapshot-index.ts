/**
 * The snapshot lines a replay thread needs from before the run of blocks it reads. Threads take a
 * file in byte blocks (`replay-share.ts`) and read only their own; a record names its
 * snapshot by id (`snapshotRef`), written once where it first appeared, which can be in a
 * block another thread read. The index looks backwards from the current block, from the end
 * of each earlier block, stopping at the nearest line with that id: the writer emits a
 * snapshot just before the records that use it, so that is usually a few records back. Each
 * byte is looked at most once per thread, and the nearest earlier line with the id wins, as
 * it does for a reader that reads every line in order (ids written twice, as in two files
 * joined with `cat`, included).
 */
import { closeSync } from 'node:fs';
import { lineOf, openToRead, readAt } from './line-at.ts';
import { lineToken } from './line-numbers.ts';
import {
  isSnapshotLine,
  snapshotOfLine,
  type SnapshotSource,
  type StoredSnapshot,
} from './ndjson.ts';

/** Bytes looked at per step backwards (~40 records of the writer's layout). */
const STEP = 256 * 1024;
/** Bytes read past a step's end, so a line starting just before it can be told a snapshot line. */
const PEEK = 64;

export class SnapshotIndex implements SnapshotSource {
  /** Byte offsets of the snapshot lines seen, by id. */
  private readonly offsets = new Map<string, number[]>();
  private readonly byOffset = new Map<number, StoredSnapshot>();
  /** Per block: every line starting from here to the block's end has been looked at (absent: none). */
  private readonly scannedFrom = new Map<number, number>();
  private fd: number | null = null;
  private step: Buffer | null = null;
  private block = -1;

  constructor(
    private readonly file: string,
    private readonly size: number,
    private readonly blockBytes: number,
  ) {}

  /** The thread now reads blocks [first, first + count) whole: their snapshot lines come through `add` as they are read. */
  enter(first: number, count = 1): void {
    this.block = first;
    for (let b = first; b < first + count; b++) this.scannedFrom.set(b, b * this.blockBytes);
  }

  add(id: string, offset: number, stored: StoredSnapshot): void {
    const list = this.offsets.get(id);
    if (list === undefined) this.offsets.set(id, [offset]);
    else list.push(offset);
    this.byOffset.set(offset, stored);
  }

  lookup(id: string): StoredSnapshot | undefined {
    for (let j = this.block - 1; j >= 0; j--) {
      const lo = j * this.blockBytes;
      const hi = Math.min(this.size, lo + this.blockBytes);
      for (;;) {
        const from = this.scannedFrom.get(j) ?? hi;
        const found = this.latest(id, from, hi);
        if (found !== undefined) return found;
        if (from <= lo) break;
        this.scanBack(lo, from);
        this.scannedFrom.set(j, Math.max(lo, from - STEP));
      }
    }
    return undefined;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** The snapshot of the last line with this id starting in [from, to). */
  private latest(id: string, from: number, to: number): StoredSnapshot | undefined {
    const list = this.offsets.get(id);
    if (list === undefined) return undefined;
    let best = -1;
    for (const at of list) if (at >= from && at < to && at > best) best = at;
    return best < 0 ? undefined : this.byOffset.get(best);
  }

  /** Notes the snapshot lines starting in [max(lo, to − STEP), to). */
  private scanBack(lo: number, to: number): void {
    const a = Math.max(lo, to - STEP);
    // From the byte before `a`: a line starts at `a` if that byte ends the line before.
    const rs = a > 0 ? a - 1 : 0;
    const buf = this.read(rs, Math.min(this.size, to + PEEK) - rs);
    const starts: number[] = a === 0 ? [0] : [];
    // An explicit offset: see the first-line search in ndjson.ts.
    for (let i = buf.indexOf(10, 0); i >= 0 && rs + i + 1 < to; i = buf.indexOf(10, i + 1))
      if (rs + i + 1 >= a) starts.push(rs + i + 1);
    for (const p of starts) {
      const s = p - rs;
      if (!isSnapshotLine(buf, s, buf.length)) continue;
      const e = buf.indexOf(10, s);
      const line = e >= 0 ? buf.subarray(s, e) : this.lineAt(p);
      const { id, stored } = snapshotOfLine(line, 0, line.length, `${this.file}:${lineToken(p)}`, p);
      this.add(id, p, stored);
    }
  }

  private lineAt(p: number): Buffer {
    return lineOf(this.open(), this.file, p, this.size);
  }

  /** Bytes [at, at + length), in one buffer reused by every step: only subarrays of it are read, never kept. */
  private read(at: number, length: number): Buffer {
    this.step ??= Buffer.allocUnsafe(STEP + PEEK + 1);
    return readAt(this.open(), this.file, at, length, this.step);
  }

  private open(): number {
    return (this.fd ??= openToRead(this.file));
  }
}
