/**
 * Line numbers for errors found by a replay thread that read a range of a file without
 * counting the lines before it: the error names the line by a token holding its byte offset,
 * and the thread turns every token into `line N` before the error leaves it, counting the
 * file's lines once, only when something failed.
 */
import { open } from 'node:fs/promises';
import { BacktestError } from '../errors.ts';

const MARK = '⟦';
const TOKEN = /⟦line at byte (\d+)⟧/g;

/** Stands for the number of the line that starts at `offset`, until `withLineNumbers` replaces it. */
export function lineToken(offset: number): string {
  return `${MARK}line at byte ${offset}⟧`;
}

/** `err` with each line token in its message replaced by the line's 1-based number. */
export async function withLineNumbers(err: unknown, file: string): Promise<unknown> {
  if (!(err instanceof Error) || !err.message.includes(MARK)) return err;
  const offsets = [...err.message.matchAll(TOKEN)].map((m) => Number(m[1]));
  const lines = await lineNumbersAt(file, offsets).catch(() => null);
  const message = err.message.replace(TOKEN, (_, at: string) => {
    const n = lines?.get(Number(at));
    return n === undefined ? `(byte ${at})` : String(n);
  });
  return err instanceof BacktestError ? new BacktestError(err.code, message) : new Error(message);
}

/** The 1-based line number of the line starting at each offset: newlines before it, plus one. */
async function lineNumbersAt(
  file: string,
  offsets: readonly number[],
): Promise<Map<number, number>> {
  const wanted = [...new Set(offsets)].sort((a, b) => a - b);
  const out = new Map<number, number>();
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    let newlines = 0;
    for (const at of wanted) {
      while (pos < at) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, at - pos), pos);
        if (bytesRead === 0) break;
        for (let i = buf.indexOf(10, 0); i >= 0 && i < bytesRead; i = buf.indexOf(10, i + 1))
          newlines++;
        pos += bytesRead;
      }
      out.set(at, newlines + 1);
    }
  } finally {
    await fh.close();
  }
  return out;
}
