/**
 * NDJSON import/export of decision records. A record line is
 * `recordToNdjsonLine`; to keep files small, the writer emits each distinct
 * snapshot once as `{"v":1,"snapshotId":"s1","snapshot":{...}}` and records then
 * carry `"snapshotRef":"s1"` in their input instead of the snapshot. Lines with
 * an inline snapshot (the plain v1 form) are read too.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { AppSnapshot } from '../../shared/domain/types.ts';
import {
  deserializeSnapshot,
  recordFromNdjsonLine,
  RECORD_FORMAT_VERSION,
  serializeInput,
  serializeSnapshot,
  SnapshotCache,
  type DecisionRecord,
} from '../decision-record.ts';
import { BacktestError } from '../errors.ts';

const SNAPSHOT_LINE = '{"v":1,"snapshotId":';
const REF_KEY = ',"snapshotRef":"';

export async function* readNdjson(file: string): AsyncGenerator<DecisionRecord> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  await once(stream, 'open').catch((err: unknown) => {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const cache = new SnapshotCache();
  const snapshots = new Map<string, AppSnapshot>();
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const where = `${file}:${n}`;
    if (line.startsWith(SNAPSHOT_LINE)) {
      const o = parseLine(line, where);
      snapshots.set(String(o['snapshotId']), deserializeSnapshot(o['snapshot'], `${where}: snapshot`));
      continue;
    }
    const r = line.lastIndexOf(REF_KEY);
    if (r > 0 && line.endsWith('"}}')) {
      const id = line.slice(r + REF_KEY.length, -3);
      const snapshot = snapshots.get(id);
      if (snapshot === undefined) throw new BacktestError('bad-record', `${where}: snapshotRef "${id}" names no earlier snapshot line`);
      const inline = `${line.slice(0, r)},"snapshot":${JSON.stringify(EMPTY)}}}`;
      const rec = recordFromNdjsonLine(inline, where, null);
      yield { ...rec, input: { ...rec.input, snapshot } };
      continue;
    }
    yield recordFromNdjsonLine(line, where, cache);
  }
}

const EMPTY = { app: {}, clusters: [], state: [], status: [], latency: [], loadedAt: 0 };

function parseLine(line: string, where: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch (err) {
    throw new BacktestError('bad-record', `${where}: not valid JSON (${(err as Error).message})`);
  }
}

/** Writes records as NDJSON, each distinct snapshot once; returns how many records were written. */
export async function writeNdjson(file: string, records: AsyncIterable<DecisionRecord> | Iterable<DecisionRecord>): Promise<number> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  const ids = new Map<string, string>();
  let lastObject: AppSnapshot | null = null;
  let lastId = '';
  let nextId = 1;
  let n = 0;
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  for await (const r of records) {
    let id = r.input.snapshot === lastObject ? lastId : undefined;
    if (id === undefined) {
      const text = JSON.stringify(serializeSnapshot(r.input.snapshot));
      id = ids.get(text);
      if (id === undefined) {
        id = `s${nextId++}`;
        // Bounded memory: only recent snapshots can repeat in practice.
        if (ids.size > 1000) ids.clear();
        ids.set(text, id);
        await write(`${SNAPSHOT_LINE}${JSON.stringify(id)},"snapshot":${text}}\n`);
      }
      lastObject = r.input.snapshot;
      lastId = id;
    }
    const { snapshot: _omit, ...input } = serializeInput(r.input);
    void _omit;
    await write(`${JSON.stringify({ v: RECORD_FORMAT_VERSION, decision: r.decision, outcomes: r.outcomes, input: { ...input, snapshotRef: id } })}\n`);
    n++;
  }
  out.end();
  await once(out, 'finish');
  return n;
}
