/**
 * NDJSON import/export of decision records. A record line is
 * `recordToNdjsonLine`; to keep files small, the writer emits each distinct
 * snapshot once as `{"v":1,"snapshotId":"s1","snapshot":{...}}` and records then
 * carry `"snapshotRef":"s1"` in their input instead of the snapshot. Lines with
 * an inline snapshot (the plain v1 form) are read too.
 */
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { AppSnapshot } from '../../shared/domain/types.ts';
import {
  deserializeSnapshot,
  recordFromNdjsonLine,
  RECORD_FORMAT_VERSION,
  serializeInput,
  serializeSnapshot,
  SnapshotCache,
  type OutcomeRecord,
} from '../decision-record.ts';
import { briefFromText, InputHeadParser, LazyRecord, type ReplayRecord } from './lazy-record.ts';
import { BacktestError } from '../errors.ts';
import type { CanaryNote } from '../../shared/canary/canary.ts';
import { parseCanaryJson } from './canary-replay.ts';

const SNAPSHOT_LINE = '{"v":1,"snapshotId":';
const REF_KEY = ',"snapshotRef":"';

/** Reads records, each distinct snapshot parsed once and decisions parsed only when read (`lazy-record.ts`). */
export async function* readNdjson(file: string): AsyncGenerator<ReplayRecord> {
  const dec = new NdjsonDecoder(file);
  let n = 0;
  for await (const lines of fileLineBatches(file)) {
    for (const line of lines) {
      n++;
      const r = dec.line(line, n);
      if (r !== null) yield r;
    }
  }
}

/** Whether any record of the file carries a policy canary's note (stops at the first). */
export async function hasCanaryNotes(file: string): Promise<boolean> {
  for await (const lines of fileLineBatches(file)) {
    if (lines.some((l) => l.startsWith(DECISION_PREFIX) && l.includes(CANARY_KEY))) return true;
  }
  return false;
}

const CHUNK = 1 << 20;

/** A file's lines in batches, read in 1 MB chunks (readline's per-line events cost more than the parse saved). */
export async function* fileLineBatches(file: string): AsyncGenerator<string[]> {
  const fh = await open(file, 'r').catch((err: unknown) => {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  });
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const text = rest + decoder.write(buf.subarray(0, bytesRead));
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      yield lines;
    }
    rest += decoder.end();
    if (rest !== '') yield [rest];
  } finally {
    await fh.close();
  }
}

const DECISION_PREFIX = '{"v":1,"decision":';
const OUTCOMES_KEY = ',"outcomes":';
const INPUT_KEY = ',"input":';
/** A policy canary's note (`decisions.canary_json`), written between outcomes and input. */
const CANARY_KEY = ',"canary":';
const EMPTY = { app: {}, clusters: [], state: [], status: [], latency: [], loadedAt: 0 };
const NO_OUTCOMES: readonly OutcomeRecord[] = Object.freeze([]);

/**
 * Turns NDJSON lines into records. Snapshot lines are kept as text and parsed
 * when a record first refers to them; a record line in the writer's layout is
 * split at its structural keys so only its small parts are parsed.
 */
export class NdjsonDecoder {
  private readonly snapshots = new Map<string, { text: string; parsed: AppSnapshot | null }>();
  private readonly heads = new InputHeadParser();
  private readonly cache = new SnapshotCache();
  constructor(private readonly file: string) {}

  /** True for a line that is a decision record (not blank, not a snapshot line). */
  isRecord(line: string): boolean {
    return !line.startsWith(SNAPSHOT_LINE) && line.trim() !== '';
  }

  /** Feeds one line; returns its record, or null for a snapshot or blank line. */
  line(line: string, n: number): ReplayRecord | null {
    if (line.startsWith(SNAPSHOT_LINE)) {
      this.snapshotLine(line, `${this.file}:${n}`);
      return null;
    }
    if (line.trim() === '') return null;
    return this.record(line, `${this.file}:${n}`);
  }

  private snapshotLine(line: string, where: string): void {
    const k = line.indexOf(',"snapshot":', SNAPSHOT_LINE.length);
    if (k > 0 && line.endsWith('}')) {
      const id: unknown = JSON.parse(line.slice(SNAPSHOT_LINE.length, k));
      if (typeof id === 'string') {
        this.snapshots.set(id, { text: line.slice(k + ',"snapshot":'.length, -1), parsed: null });
        return;
      }
    }
    const o = parseLine(line, where);
    this.snapshots.set(String(o['snapshotId']), { text: JSON.stringify(o['snapshot']), parsed: null });
  }

  private snapshot(id: string, where: string): AppSnapshot {
    const s = this.snapshots.get(id);
    if (s === undefined) throw new BacktestError('bad-record', `${where}: snapshotRef "${id}" names no earlier snapshot line`);
    s.parsed ??= deserializeSnapshot(parseLine(s.text, `${where}: snapshot ${id}`), `${where}: snapshot ${id}`);
    return s.parsed;
  }

  private record(line: string, where: string): ReplayRecord {
    const r = line.lastIndexOf(REF_KEY);
    if (r < 0 || !line.endsWith('"}}')) return recordFromNdjsonLine(line, where, this.cache);
    const snapshot = this.snapshot(line.slice(r + REF_KEY.length, -3), where);
    const oi = line.startsWith(DECISION_PREFIX) ? line.indexOf(OUTCOMES_KEY) : -1;
    const ii = oi < 0 ? -1 : line.indexOf(INPUT_KEY, oi);
    if (ii > 0) {
      const decisionText = line.slice(DECISION_PREFIX.length, oi);
      const brief = briefFromText(decisionText);
      const input = brief === null ? null : this.heads.parse(`${line.slice(ii + INPUT_KEY.length, r)}}`, snapshot, `${where}: input`);
      if (brief !== null && input !== null) {
        const ci = line.indexOf(CANARY_KEY, oi);
        const outcomesEnd = ci > 0 && ci < ii ? ci : ii;
        const outcomesText = line.slice(oi + OUTCOMES_KEY.length, outcomesEnd);
        const outcomes = outcomesText === '[]' ? NO_OUTCOMES : (parseLine(outcomesText, `${where}: outcomes`) as unknown as OutcomeRecord[]);
        const canary = outcomesEnd === ii ? null : canaryOf(line.slice(ci + CANARY_KEY.length, ii), where);
        return new LazyRecord(input, Array.isArray(outcomes) ? outcomes : NO_OUTCOMES, brief, decisionText, `${where}: decision`, canary);
      }
    }
    // Another key order: parse it whole (still reusing the referenced snapshot).
    const rec = recordFromNdjsonLine(`${line.slice(0, r)},"snapshot":${JSON.stringify(EMPTY)}}}`, where, null);
    const canary = line.includes(CANARY_KEY) ? canaryOf(JSON.stringify(parseLine(line, where)['canary'] ?? null), where) : null;
    return { ...rec, input: { ...rec.input, snapshot }, canary };
  }
}

/** The canary note of a record line (JSON text of the object, `null` for none); a malformed one is a `bad-record`. */
function canaryOf(text: string, where: string): CanaryNote | null {
  if (text === 'null') return null;
  try {
    return parseCanaryJson(text, `${where}: canary`);
  } catch (err) {
    throw new BacktestError('bad-record', (err as Error).message);
  }
}

function parseLine(line: string, where: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch (err) {
    throw new BacktestError('bad-record', `${where}: not valid JSON (${(err as Error).message})`);
  }
}

/** Writes records as NDJSON, each distinct snapshot once; returns how many records were written. */
export async function writeNdjson(file: string, records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>): Promise<number> {
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
    // A policy canary's note (both policies' choices) goes with its record, so replay and
    // `canary status --input` read it back from the file as they do from libSQL.
    const canary = r.canary === undefined || r.canary === null ? {} : { canary: r.canary };
    await write(`${JSON.stringify({ v: RECORD_FORMAT_VERSION, decision: r.decision, outcomes: r.outcomes, ...canary, input: { ...input, snapshotRef: id } })}\n`);
    n++;
  }
  out.end();
  await once(out, 'finish');
  return n;
}
