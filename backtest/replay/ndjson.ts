/** NDJSON import/export of decision records: one `recordToNdjsonLine` per line. */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { recordFromNdjsonLine, recordToNdjsonLine, SnapshotCache, type DecisionRecord } from '../decision-record.ts';
import { BacktestError } from '../errors.ts';

export async function* readNdjson(file: string): AsyncGenerator<DecisionRecord> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = once(stream, 'open').catch((err: unknown) => {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  });
  await opened;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const cache = new SnapshotCache();
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    yield recordFromNdjsonLine(line, `${file}:${n}`, cache);
  }
}

/** Writes records as NDJSON; returns how many were written. */
export async function writeNdjson(file: string, records: AsyncIterable<DecisionRecord> | Iterable<DecisionRecord>): Promise<number> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  let n = 0;
  for await (const r of records) {
    if (!out.write(`${recordToNdjsonLine(r)}\n`)) await once(out, 'drain');
    n++;
  }
  out.end();
  await once(out, 'finish');
  return n;
}
