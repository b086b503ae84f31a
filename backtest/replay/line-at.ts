/**
 * Reading one line of a file by its byte offset, synchronously: a replay thread looking back
 * for a snapshot line before its block (`snapshot-index.ts`), or reading a snapshot's text again
 * after dropping it (`ndjson.ts`). Rare next to the streaming reads, so plain `readSync`.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BacktestError } from '../errors.ts';

/**
 * Up to `length` bytes of the open file from `at` (fewer at its end); into `into` when it is
 * long enough (a caller reading many steps reuses one buffer: on this VM each fresh page of a
 * new large buffer costs a fault, ~11 µs per 4 KB).
 */
export function readAt(fd: number, file: string, at: number, length: number, into?: Buffer): Buffer {
  try {
    const n = Math.max(0, length);
    const buf = into !== undefined && into.length >= n ? into.subarray(0, n) : Buffer.allocUnsafe(n);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, at + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } catch (err) {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The whole line of the open file starting at `p`, without its '\n'. */
export function lineOf(fd: number, file: string, p: number, size: number): Buffer {
  // A snapshot line is a few KB (64 KB holds one of ~60 clusters); read on in doubling steps.
  let len = 64 * 1024;
  for (;;) {
    const buf = readAt(fd, file, p, Math.min(len, size - p));
    const e = buf.indexOf(10, 0); // an explicit offset: see the first-line search in ndjson.ts
    if (e >= 0) return buf.subarray(0, e);
    if (p + buf.length >= size) return buf;
    len *= 2;
  }
}

/** `file` opened for reading; one that cannot be is an `input-read` error naming it. */
export function openToRead(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (err) {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The line starting at byte `p` of `file`, opening and closing it. */
export function readLineAt(file: string, p: number): Buffer {
  const fd = openToRead(file);
  try {
    return lineOf(fd, file, p, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}
