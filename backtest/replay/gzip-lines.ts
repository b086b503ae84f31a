/**
 * Decision logs kept compressed (`gzip`, `.ndjson.gz`, several members joined with `cat`
 * included) read as they are, without unpacking them to disk first. A compressed file cannot be
 * read from a byte offset, so it is read once in order: the replay takes it on one thread, and
 * the decoder keeps every snapshot text it may need again (it cannot read one back).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { BacktestError } from '../errors.ts';

/** Whether the file starts with gzip's magic bytes (its name is not consulted: logs get renamed). */
export async function isGzipFile(file: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * The decompressed file as Buffers of whole lines, about `chunk` bytes each (a longer line whole);
 * `cursor.at` is the decompressed offset of each chunk's first byte (not a file offset). A
 * corrupt or truncated file is an `input-read` error naming it.
 */
export async function* gunzipLines(file: string, chunk: number, cursor?: { at: number; range: number }): AsyncGenerator<Buffer> {
  const stream = createReadStream(file).pipe(createGunzip());
  let pieces: Buffer[] = [];
  let held = 0;
  let at = 0;
  const give = (buf: Buffer): Buffer => {
    if (cursor !== undefined) {
      cursor.at = at;
      cursor.range = 0;
    }
    at += buf.length;
    return buf;
  };
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      pieces.push(piece);
      held += piece.length;
      if (held < chunk) continue;
      const buf = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, held);
      const last = buf.lastIndexOf(10);
      if (last < 0) {
        // One line longer than a chunk so far: keep reading until it ends.
        pieces = [buf];
        continue;
      }
      const rest = buf.subarray(last + 1);
      pieces = rest.length === 0 ? [] : [rest];
      held = rest.length;
      yield give(buf.subarray(0, last + 1));
    }
  } catch (err) {
    throw new BacktestError('input-read', `cannot read ${file}: not a whole gzip file (${(err as Error).message})`);
  } finally {
    stream.destroy();
  }
  if (held > 0) yield give(Buffer.concat(pieces, held));
}
