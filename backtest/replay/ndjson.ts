/**
 * NDJSON import/export of decision records. A record line is
 * `recordToNdjsonLine`; to keep files small, the writer emits each distinct
 * snapshot once as `{"v":1,"snapshotId":"s1","snapshot":{...}}` and records then
 * carry `"snapshotRef":"s1"` in their input instead of the snapshot. Lines with
 * an inline snapshot (the plain v1 form) and other key orders are read too.
 *
 * The reader works on bytes: a record is ~6 KB, nearly all of it the decision's
 * per-candidate explanation, which a replay that does not verify never needs.
 * Lines are found with `Buffer.indexOf`, the structural keys of a writer-layout
 * line are found in the bytes, and only the small parts (decision head, outcomes,
 * input head) are decoded and parsed; the explanation stays bytes until someone
 * reads `record.decision`. By default each chunk is a fresh Buffer, so a record's
 * bytes stay valid for as long as the record lives. With `{ recycle: true }` the
 * chunks are two reused buffers: a record's `decision` (and anything else read from
 * its bytes) must be taken before the next record is asked for — a caller that
 * collects records and reads them later must not pass it.
 */
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { AppSnapshot, RequestFacts } from '../../shared/domain/types.ts';
import type { Policy } from '../../shared/decision/types.ts';
import {
  deserializePolicy,
  deserializeSnapshot,
  inputWith,
  recordFromNdjsonLine,
  recordFromObject,
  recordPins,
  RECORD_FORMAT_VERSION,
  serializeInput,
  serializeSnapshot,
  SnapshotCache,
  withRecordPins,
  type OutcomeRecord,
} from '../decision-record.ts';
import { briefFromHead, LazyRecord, LineRef, type DecisionBrief, type ReplayRecord } from './lazy-record.ts';
import { BacktestError } from '../errors.ts';
import type { CanaryNote } from '../../shared/canary/canary.ts';
import { parseCanaryJson } from './canary-replay.ts';
import { readLineAt } from './line-at.ts';
import { gunzipLines, isGzipFile } from './gzip-lines.ts';
import { SnapshotSections } from './snapshot-sections.ts';
import { lineToken } from './line-numbers.ts';
import { find, findLast, matchesAt } from './byte-search.ts';
import { RecordScanner } from './record-scan.ts';

const SNAPSHOT_LINE = '{"v":1,"snapshotId":';
const SNAPSHOT_KEY = ',"snapshot":';
const REF_KEY = '"snapshotRef":"';
const DECISION_PREFIX = '{"v":1,"decision":';
const CANDIDATES_KEY = ',"candidates":';
const OUTCOMES_KEY = ',"outcomes":';
const INPUT_KEY = ',"input":';
const POLICY_KEY = ',"policy":';
const NOW_KEY = ',"now":';
const B = {
  snapshotLine: Buffer.from(SNAPSHOT_LINE),
  snapshotKey: Buffer.from(SNAPSHOT_KEY),
  ref: Buffer.from(REF_KEY),
  decision: Buffer.from(DECISION_PREFIX),
  candidates: Buffer.from(CANDIDATES_KEY),
  /** The head key after `chosen` in decide()'s order: the brief needs nothing from here on. */
  fallbacks: Buffer.from(',"fallbacks":'),
  outcomes: Buffer.from(OUTCOMES_KEY),
  input: Buffer.from(INPUT_KEY),
  /** What `writeNdjson` writes first in a record's input (no origin keys before the request). */
  inputHead: Buffer.from('{"v":1,"request":'),
  policy: Buffer.from(POLICY_KEY),
  now: Buffer.from(NOW_KEY),
  /** A policy canary's note (`decisions.canary_json`), written between outcomes and input. */
  canary: Buffer.from(',"canary":'),
  latency: Buffer.from('"estimatedLatencyMs":'),
  price: Buffer.from('"pricePerHour":'),
};
const EMPTY = { app: {}, clusters: [], state: [], status: [], latency: [], loadedAt: 0 };
const NO_OUTCOMES: readonly OutcomeRecord[] = Object.freeze([]);
/**
 * Parsed snapshots kept at once, at first; older ones are parsed again if a record still names
 * them. A log of one isolate's decisions needs one at a time; one whose records alternate between
 * many edge isolates' snapshots needs one per isolate, so the decoder doubles its room each time
 * it has parsed again as many snapshots as it keeps, up to PARSED_SNAPSHOTS_MOST (a parsed snapshot
 * with its decide() memos is tens of KB; kept longer than the 20 records it serves in a one-isolate
 * log, it lives into the old generation for nothing).
 */
const PARSED_SNAPSHOTS = 64;
const PARSED_SNAPSHOTS_MOST = 1024;
/**
 * Snapshot lines whose text is kept (the most recently read or looked up); an older line's text
 * is read again from the file if a record names it once its parsed copy is gone. Enough for a log
 * whose records alternate between many edge isolates' snapshots to re-parse from memory; few
 * enough that a replay's memory does not grow with the file (a few MB of text).
 */
export const KEPT_SNAPSHOT_TEXTS = 1024;
const CHUNK = 1 << 20;

/**
 * Reads records, each distinct snapshot parsed once and decisions parsed only when read.
 * `recycle`: see `fileChunks`; only for a caller that is done with each record (and its lazy
 * decision) before it asks for the next, as a replay loop is. `keptSnapshotTexts`: tests (default
 * `KEPT_SNAPSHOT_TEXTS`).
 */
export async function* readNdjson(file: string, chunk = CHUNK, opts: ChunkOptions & { readonly keptSnapshotTexts?: number } = {}): AsyncGenerator<ReplayRecord> {
  const dec = new NdjsonDecoder(file, undefined, opts.keptSnapshotTexts);
  const cursor: ChunkCursor = { at: 0, range: 0 };
  for await (const buf of fileChunks(file, chunk, { ...opts, cursor })) {
    // A compressed file's offsets are not the file's: its snapshot texts are kept, never read back.
    dec.offsetsKnown = cursor.compressed !== true;
    dec.chunkAt = cursor.at;
    let s = 0;
    while (s < buf.length) {
      const e = lineEnd(buf, s);
      const r = dec.line(buf, s, e);
      if (r !== null) yield r;
      s = e + 1;
    }
  }
}

/** Where the line starting at `s` ends (its '\n', or the buffer's end). */
export function lineEnd(buf: Buffer, s: number): number {
  const e = buf.indexOf(10, s);
  return e < 0 ? buf.length : e;
}

export interface ChunkOptions {
  /**
   * Read into the same two buffers over and over instead of a fresh one per chunk. A chunk's
   * bytes are then valid only until the caller asks for the next one. Fresh 1 MB buffers cost
   * the kernel's page faults and zeroing on every read: over a 1.2 GB file, 0.9–1.0 s of CPU
   * against 0.15 s reused (about 4 µs per 6 KB record), paid by every replay thread.
   */
  readonly recycle?: boolean;
  /**
   * Byte ranges to read, one after another (default: the whole file): called for the first and
   * then again as soon as the last read of each range has landed, null for no more. Only the
   * lines that start in [from, to) are given, the last one whole however far past `to` it ends:
   * ranges that meet share out a file's lines with none lost or given twice.
   */
  readonly ranges?: () => ByteRange | null;
  /** Set before each chunk is given: the file offset of its first byte, and which range (0-based) it is from. */
  readonly cursor?: ChunkCursor;
}

/** Where a chunk comes from: its first byte's offset, its range, and whether the file is compressed (then `at` is an offset in the decompressed text, not the file's). */
export interface ChunkCursor {
  at: number;
  range: number;
  compressed?: boolean;
}

export interface ByteRange {
  readonly from: number;
  readonly to: number;
}

const EMPTY_BUF = Buffer.alloc(0);
/** Bytes read past a range's end for its last line (a longer one is read on in doubling steps). */
const RANGE_TAIL = 64 * 1024;

/**
 * A file as Buffers of whole lines (~1 MB each; a longer line gets a bigger buffer).
 * Every chunk is a new Buffer, so records can keep views into it instead of copies, unless
 * `opts.recycle` (then a chunk must be done with before the next is asked for). One file handle
 * and one pair of buffers serve every range, and a range's first read starts while the caller
 * still has the last chunk of the one before.
 */
export async function* fileChunks(file: string, chunk = CHUNK, opts: ChunkOptions = {}): AsyncGenerator<Buffer> {
  if (await isGzipFile(file)) {
    // Read once, in order (`gzip-lines.ts`): byte ranges of a compressed file do not exist.
    if (opts.ranges !== undefined) throw new BacktestError('bad-option', `${file} is gzip-compressed: it can only be read in order, on one thread`);
    if (opts.cursor !== undefined) opts.cursor.compressed = true;
    yield* gunzipLines(file, chunk, opts.cursor);
    return;
  }
  const fh = await open(file, 'r').catch((err: unknown) => {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  });
  let whole = false;
  const ranges = opts.ranges ?? ((): ByteRange | null => (whole ? null : ((whole = true), { from: 0, to: Infinity })));
  let pending: Promise<unknown> | null = null;
  try {
    let range = ranges();
    if (range === null) return;
    let rangeNo = 0;
    let carry: Buffer = EMPTY_BUF;
    let size = chunk;
    let pos = 0;
    // The file offset of `carry`'s first byte.
    let base = 0;
    let skipping = false;
    const begin = (r: ByteRange): void => {
      // A range that starts mid-file reads from the byte before it: the line that byte ends (or
      // runs through) belongs to the range before.
      pos = r.from > 0 ? r.from - 1 : 0;
      base = pos;
      skipping = r.from > 0;
      carry = EMPTY_BUF;
      size = chunk;
    };
    begin(range);
    // With `recycle`: the buffer the caller was last given, free once it asks for the next chunk.
    let spare: Buffer | null = null;
    // The next read is started before the caller gets this chunk, so the disk (or page cache)
    // works while the caller parses and replays: without it the thread sat idle for each read.
    const start = (): { buf: Buffer; head: number; read: Promise<{ bytesRead: number }> } => {
      const need = Math.max(size, carry.length * 2);
      const buf = spare !== null && spare.length >= need ? spare : Buffer.allocUnsafe(need);
      spare = null;
      carry.copy(buf, 0);
      // Near a range's end, read little past it (the rest of its last line, as a rule): a thread's
      // next block is usually elsewhere in the file, and a full read there was ~12 % more bytes.
      const room = buf.length - carry.length;
      const length = range === null || range.to === Infinity ? room : Math.min(room, Math.max(0, range.to - pos) + Math.max(RANGE_TAIL, carry.length));
      const read = fh.read(buf, carry.length, length, pos);
      // Handled here too: a caller that drops the generator without return() never awaits this
      // read, and its failure must not become an unhandled rejection (the loop still sees it).
      read.catch(() => undefined);
      pending = read;
      return { buf, head: carry.length, read };
    };
    let next = start();
    for (;;) {
      const { buf, head, read } = next;
      const { bytesRead } = await read;
      pending = null;
      pos += bytesRead;
      const filled = head + bytesRead;
      let first = 0;
      if (skipping) {
        // Drop the end of the line the range before owns (up to and including its '\n').
        // An explicit offset: Buffer#indexOf without one deoptimizes, and the record scan uses it on every line.
        const nl = buf.indexOf(10, 0);
        if (bytesRead > 0 && (nl < 0 || nl >= filled)) {
          base += filled;
          carry = EMPTY_BUF;
          next = start();
          continue;
        }
        first = nl < 0 || nl >= filled ? filled : nl + 1;
        skipping = false;
      }
      const at = base + first;
      // [first, end) goes to the caller; `ended`: the range has no more lines.
      let end = first;
      let ended = at >= range.to || bytesRead === 0;
      if (!ended) {
        let last = buf.lastIndexOf(10, filled - 1);
        if (last < first) {
          // No line ends in this chunk: read on with a bigger buffer.
          carry = buf.subarray(first, filled);
          base = at;
          size = buf.length * 2;
          next = start();
          continue;
        }
        if (base + last + 1 >= range.to) {
          // The range's last line is the one running through byte `to - 1`: it ends at the first '\n' from there.
          last = buf.indexOf(10, range.to - 1 - base);
          ended = true;
        } else {
          // `start` copies the carry out of `buf` and reads into another buffer: `buf` stays whole
          // until the caller, having asked for the next chunk, is done with it.
          carry = buf.subarray(last + 1, filled);
          base += last + 1;
          size = chunk;
          next = start();
        }
        end = last + 1;
      } else if (bytesRead === 0 && at < range.to) {
        // The file's last line, with no '\n' after it.
        end = filled;
      }
      const given = rangeNo;
      if (ended) {
        // The next range's first read starts before the caller gets this one's last chunk.
        const r = ranges();
        range = r;
        if (r !== null) {
          rangeNo++;
          begin(r);
          next = start();
        }
      }
      if (end > first) {
        if (opts.cursor !== undefined) {
          opts.cursor.at = at;
          opts.cursor.range = given;
        }
        yield buf.subarray(first, end);
      }
      if (range === null) return;
      if (opts.recycle === true) spare = buf;
    }
  } finally {
    // A caller that stops early leaves one read in flight: let it land before closing the file.
    await (pending as Promise<unknown> | null)?.catch(() => undefined);
    await fh.close();
  }
}

/** Record lines in a file (the replay's progress total): snapshot and blank lines are not records. */
export async function countRecordLines(file: string): Promise<number> {
  let n = 0;
  for await (const buf of fileChunks(file, undefined, { recycle: true })) {
    for (let s = 0; s < buf.length; ) {
      const e = lineEnd(buf, s);
      if (lineKind(buf, s, e) === 'record') n++;
      s = e + 1;
    }
  }
  return n;
}

/** What the line at [s, e) is, without parsing it. */
function lineKind(buf: Buffer, s: number, e: number): 'blank' | 'snapshot' | 'record' {
  if (startsWith(buf, s, e, B.snapshotLine)) return 'snapshot';
  for (let i = s; i < e; i++) if (!isSpace(buf[i])) return 'record';
  return 'blank';
}

function startsWith(buf: Buffer, s: number, e: number, needle: Buffer): boolean {
  if (e - s < needle.length) return false;
  for (let i = 0; i < needle.length; i++) if (buf[s + i] !== needle[i]) return false;
  return true;
}

function isSpace(c: number | undefined): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

export interface StoredSnapshot {
  /**
   * The snapshot's JSON, kept as a string (JSON.parse wants one, and a heap string costs no
   * external allocation per line); null once the line is no longer among the last ones read
   * (`KEPT_SNAPSHOT_TEXTS`) and can be read again from the file.
   */
  text: string | null;
  /** `file:line` of the snapshot line, for errors found when it is first parsed. */
  readonly at: string;
  parsed: AppSnapshot | null;
  /** Whether it has been parsed before (parsing it again says the decoder keeps too few). */
  parsedBefore?: boolean;
  /** The line's byte offset in the file, where its text is read again if needed; -1: not known (the text is kept). */
  readonly offset: number;
}

/** Whether the line at [s, e) is a snapshot line (`{"v":1,"snapshotId":…`). */
export function isSnapshotLine(buf: Buffer, s: number, e: number): boolean {
  return startsWith(buf, s, e, B.snapshotLine);
}

/** A snapshot line's id and its snapshot, kept unparsed; `at` names the line in errors, `offset` is where it starts in the file (-1: not known). */
export function snapshotOfLine(buf: Buffer, s: number, end: number, at: string, offset = -1): { readonly id: string; readonly stored: StoredSnapshot } {
  const e = trimEnd(buf, s, end);
  // The key follows the id: look no further than a long id would reach (else the line is parsed whole).
  const k = find(buf, B.snapshotKey, s + B.snapshotLine.length, Math.min(e, s + B.snapshotLine.length + 256));
  if (k > 0 && buf[e - 1] === 125) {
    const id = parseJson(buf.toString('utf8', s + B.snapshotLine.length, k), `${at}: snapshotId`);
    if (typeof id === 'string') return { id, stored: { text: buf.toString('utf8', k + B.snapshotKey.length, e - 1), at, parsed: null, offset } };
  }
  const o = parseObject(buf.toString('utf8', s, e), at);
  if (typeof o['snapshotId'] !== 'string') throw new BacktestError('bad-record', `${at}: snapshotId must be a string`);
  return { id: o['snapshotId'], stored: { text: JSON.stringify(o['snapshot'] ?? null), at, parsed: null, offset } };
}

/**
 * Where a replay thread that reads byte ranges of a file (`replay-share.ts`) finds the snapshot
 * lines that lie before its range (`snapshot-index.ts`).
 */
export interface SnapshotSource {
  /** Notes a snapshot line the decoder read, at its byte offset. */
  add(id: string, offset: number, stored: StoredSnapshot): void;
  /** The last snapshot line with this id before the current range; undefined if there is none. */
  lookup(id: string): StoredSnapshot | undefined;
}

/**
 * Turns NDJSON lines (byte ranges of a chunk) into records. Snapshot lines are kept
 * as bytes and parsed when a record first refers to them; a record line in the
 * writer's layout is split at its structural keys so only its small parts are parsed.
 * Bad lines throw a `bad-record` error naming the file and line number.
 *
 * With a `SnapshotSource` the decoder reads ranges of a file, not necessarily in order or
 * all of them (`enterRange`): a snapshot named by a record and not seen in the current run
 * of ranges comes from the source, and a line whose number is not known (the lines before
 * its range were not counted) is named by a `lineToken` that `withLineNumbers` resolves.
 */
export class NdjsonDecoder {
  private readonly snapshots = new Map<string, StoredSnapshot>();
  private readonly parsedOrder: StoredSnapshot[] = [];
  /** How many parsed snapshots are kept now (`PARSED_SNAPSHOTS`, doubled while they are parsed again). */
  private parsedRoom = PARSED_SNAPSHOTS;
  /** Snapshots parsed again since the room last grew. */
  private parsedAgain = 0;
  private readonly policies = new Map<string, Policy>();
  private lastPolicyBytes: Buffer | null = null;
  private lastPolicy: Policy | null = null;
  private readonly needles = new Map<string, Buffer>();
  private readonly cache = new SnapshotCache();
  /** Snapshot lines parsed part by part, parts unchanged since the last one reused (`snapshot-sections.ts`). */
  readonly sections = new SnapshotSections();
  private readonly scan = new RecordScanner();
  /** Record lines read by the strict scan (`scanned`), for tests that prove it is taken. */
  scannedLines = 0;
  /** Snapshot texts read again from the file (`textAgain`), for tests that prove it stays rare. */
  textsReadAgain = 0;
  /** Snapshots parsed, again ones included (tests: alternating isolates must not parse one per record). */
  snapshotsParsed = 0;
  /** Where a record's small parts are joined before their one JSON.parse (grown as needed). */
  private scratch = Buffer.allocUnsafe(4096);
  /** Lines fed so far (the current line's 1-based number, when `linesKnown`). */
  n = 0;
  /** Whether `n` counts from the file's first line (false after a range that does not follow the last one). */
  private linesKnown = true;
  /** The file offset of the current chunk's first byte (set by whoever reads the file for the decoder). */
  chunkAt = 0;
  /** Whether `chunkAt` is set, so a snapshot line's text can be dropped and read again from its offset (`keep`). */
  offsetsKnown = false;
  /** The file offset of the current line. */
  private lineAt = 0;

  /** The snapshot lines whose text is kept, a ring in the order they were read or looked up. */
  private readonly kept: (StoredSnapshot | undefined)[];
  private keptAt = 0;

  /** `keptTexts`: how many snapshot lines keep their text (tests set a few; default KEPT_SNAPSHOT_TEXTS). */
  constructor(
    private readonly file: string,
    private readonly source?: SnapshotSource,
    keptTexts = KEPT_SNAPSHOT_TEXTS,
  ) {
    this.kept = new Array<StoredSnapshot | undefined>(Math.max(1, keptTexts));
  }

  /**
   * The next lines come from another range of the file. `follows`: it starts where the last one
   * ended, so line numbers and the snapshots seen so far still hold; otherwise a snapshot line
   * between the two ranges may have redefined an id, so records look their snapshots up afresh.
   */
  enterRange(follows: boolean): void {
    if (follows) return;
    this.snapshots.clear();
    this.linesKnown = false;
  }

  /** What the line at [s, e) is, without parsing it; counts it. */
  kind(buf: Buffer, s: number, e: number): 'blank' | 'snapshot' | 'record' {
    this.n++;
    this.lineAt = this.chunkAt + s;
    return lineKind(buf, s, e);
  }

  /** Feeds one line; returns its record, or null for a snapshot or blank line. */
  line(buf: Buffer, s: number, e: number): ReplayRecord | null {
    const k = this.kind(buf, s, e);
    if (k === 'blank') return null;
    if (k === 'snapshot') {
      this.snapshotLine(buf, s, e);
      return null;
    }
    return this.record(buf, s, e);
  }

  /** Characters of snapshot text the decoder still holds (tests: it must not grow with the file). */
  retainedSnapshotText(): number {
    let n = 0;
    for (const s of this.snapshots.values()) n += s.text?.length ?? 0;
    return n;
  }

  /** Takes a snapshot line already counted by `kind`. */
  snapshotLine(buf: Buffer, s: number, end: number): void {
    const { id, stored } = snapshotOfLine(buf, s, end, this.where(), this.offsetsKnown ? this.lineAt : -1);
    this.keep(stored);
    this.snapshots.set(id, stored);
    this.source?.add(id, this.lineAt, stored);
  }

  /** Takes a record line already counted by `kind`. */
  record(buf: Buffer, s: number, end: number): ReplayRecord {
    // One view of the line: every search below is bounded by it and no other view is made.
    const line = buf.subarray(s, trimEnd(buf, s, end));
    const e = line.length;
    const r = findLast(line, B.ref, 0, e);
    // No snapshotRef anywhere: a plain v1 line with its snapshot inline.
    if (r < 0) return recordFromNdjsonLine(line.toString('utf8'), this.where(), this.cache);
    const writer = startsWith(line, 0, e, B.decision) && line[r - 1] === 44 && line[e - 1] === 125 && line[e - 2] === 125 && line[e - 3] === 34;
    if (!writer) return this.wholeLine(line.toString('utf8'), this.where());
    const snapshot = this.snapshot(line.toString('utf8', r + B.ref.length, e - 3));
    const fast = this.scanned(line, r - 1, snapshot);
    if (fast !== null) return fast;
    // The line's `file:line` text only off the scanned path: made for every record, it was ~0.5 µs of a ~9 µs read.
    const where = this.where();
    return this.writerLayout(line, r - 1, snapshot, where) ?? this.wholeLine(line.toString('utf8'), where);
  }

  /**
   * A writer-layout line read without `JSON.parse` (`record-scan.ts`): its small parts in the one
   * strict shape `writeNdjson` writes, with the policy of the record before; null for anything
   * else (a new policy, a canary note, origin keys, a strategy state, job pins, escapes or
   * non-ASCII text), which `writerLayout` then reads as before. The keys are found from the
   * line's end, where they are near: only the head's `candidates` is searched forwards.
   */
  private scanned(line: Buffer, r: number, snapshot: AppSnapshot): ReplayRecord | null {
    const sc = this.scan;
    const ds = B.decision.length;
    const policy = this.lastPolicy;
    const last = this.lastPolicyBytes;
    const ni = findLast(line, B.now, ds, r);
    if (policy === null || last === null || ni < 0 || !sc.tail(line, ni + B.now.length, r)) return null;
    // The policy ends where `now` starts: the same bytes as the record before's, or not this path.
    const pi = ni - last.length - B.policy.length;
    if (pi < ds || !matchesAt(line, B.policy, pi) || line.compare(last, 0, last.length, pi + B.policy.length, ni) !== 0) return null;
    const ii = findLast(line, B.input, ds, pi);
    const rs = ii + B.input.length + B.inputHead.length;
    if (ii < 0 || !matchesAt(line, B.inputHead, ii + B.input.length)) return null;
    const oi = findLast(line, B.outcomes, ds, ii);
    if (oi < 0 || !sc.head(line, ds, oi) || !matchesAt(line, B.fallbacks, sc.pos)) return null;
    const os = oi + B.outcomes.length;
    const ci = find(line, B.candidates, sc.pos, oi);
    if (ci < 0 || find(line, B.canary, os, ii) >= 0) return null;
    const request = sc.request(line, rs, pi);
    const outcomes = ii - os === 2 && line[os] === 91 && line[os + 1] === 93 ? NO_OUTCOMES : (sc.outcomeList(line, os, ii) ?? tryParse(line.toString('utf8', os, ii)));
    if (request === null || !Array.isArray(outcomes)) return null;
    const numbers = sc.chosen === null ? { latency: null, price: null } : this.chosenNumbers(line, sc.chosen, ci, oi);
    if (numbers === null) return null;
    const brief: DecisionBrief = { id: sc.id, at: sc.at, appId: sc.appId, outcome: sc.outcome as DecisionBrief['outcome'], chosen: sc.chosen, chosenLatencyMs: numbers.latency, chosenPricePerHour: numbers.price };
    // inputWith's keys, in its order, for a record with no strategy state, origin or job pin.
    const input = { request: request as RequestFacts, policy, now: sc.now, seed: sc.seed, staleSnapshot: sc.stale, snapshot };
    this.scannedLines++;
    return new LazyRecord(input, outcomes as OutcomeRecord[], brief, line.subarray(ds, oi), this.lineRef('decision'), null);
  }

  /** Another key order or shape: parse it whole, resolving a snapshotRef to the stored snapshot. */
  private wholeLine(text: string, where: string): ReplayRecord {
    const o = parseObject(text, where);
    const input = o['input'];
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
      const ref = (input as Record<string, unknown>)['snapshotRef'];
      if (typeof ref === 'string') {
        const snapshot = withRecordPins(this.snapshot(ref), input as Record<string, unknown>, `${where}: input`);
        const rec = recordFromObject({ ...o, input: { ...input, snapshot: EMPTY } }, where);
        return { ...rec, input: { ...rec.input, snapshot }, canary: canaryOf(o['canary'], where) };
      }
    }
    return { ...recordFromObject(o, where), canary: canaryOf(o['canary'], where) };
  }

  private where(): string {
    return `${this.file}:${this.linesKnown ? this.n : lineToken(this.lineAt)}`;
  }

  /** The current line, put into words (`where()`) only if an error needs it. */
  private lineRef(part: string): LineRef {
    return new LineRef(this.file, this.linesKnown ? this.n : this.lineAt, this.linesKnown, part);
  }

  /** `{"v":1,"decision":{…,"candidates":…},"outcomes":[…],"input":{…,"policy":{…},"now":…,"snapshotRef":"…"}}`; null on another shape. */
  private writerLayout(line: Buffer, r: number, snapshot: AppSnapshot, where: string): ReplayRecord | null {
    const ds = B.decision.length;
    const ci = find(line, B.candidates, ds, r);
    const ii = ci < 0 ? -1 : findLast(line, B.input, ci, r);
    const oi = ii < 0 ? -1 : findLast(line, B.outcomes, ci, ii);
    const pi = oi < 0 ? -1 : find(line, B.policy, ii, r);
    const ni = pi < 0 ? -1 : find(line, B.now, pi, r);
    if (ni < 0) return null;
    const os = oi + B.outcomes.length;
    const cai = find(line, B.canary, os, ii);
    const oe = cai < 0 ? ii : cai;
    // The head up to `chosen` (decide() writes id, at, appId, fn, strategy, outcome, chosen first): the
    // brief reads nothing after it. Another order keeps the whole head.
    const fi = find(line, B.fallbacks, ds, ci);
    // One JSON.parse for the three small parts, `[head},outcomes,input-without-policy}]`, copied
    // into one reused buffer and decoded once; only a line that fails it is taken apart to name the bad part.
    let parts = tryParse(this.joined(line, ds, fi < 0 ? ci : fi, os, oe, ii + B.input.length, pi, ni, r));
    if (!Array.isArray(parts) || parts.length !== 3) {
      const head = tryParse(`${line.toString('utf8', ds, ci)}}`);
      if (head === undefined) return null;
      const inputText = `${line.toString('utf8', ii + B.input.length, pi)}${line.toString('utf8', ni, r)}}`;
      parts = [head, parseJson(line.toString('utf8', os, oe), `${where}: outcomes`), parseJson(inputText, `${where}: input`)];
    }
    const [head, outcomes, inputHead] = parts as unknown[];
    const brief = this.brief(line, head, ci, oi);
    if (brief === null || !isObject(inputHead)) return null;
    const policy = this.policy(line, pi + B.policy.length, ni, where);
    const input = inputWith(inputHead, policy, withRecordPins(snapshot, inputHead, `${where}: input`), `${where}: input`);
    const canary = cai < 0 ? null : canaryFromText(line.toString('utf8', cai + B.canary.length, ii), where);
    return new LazyRecord(input, Array.isArray(outcomes) ? (outcomes as OutcomeRecord[]) : NO_OUTCOMES, brief, line.subarray(ds, oi), `${where}: decision`, canary);
  }

  /** `[` head `},` outcomes `,` input head, input tail `}]` as one string, built in `scratch`. */
  private joined(line: Buffer, ds: number, ci: number, os: number, oe: number, is: number, pi: number, ni: number, r: number): string {
    const need = ci - ds + (oe - os) + (pi - is) + (r - ni) + 8;
    if (this.scratch.length < need) this.scratch = Buffer.allocUnsafe(need * 2);
    const out = this.scratch;
    let at = 0;
    out[at++] = 91; // [
    at += line.copy(out, at, ds, ci);
    out[at++] = 125; // }
    out[at++] = 44; // ,
    at += line.copy(out, at, os, oe);
    out[at++] = 44;
    at += line.copy(out, at, is, pi);
    at += line.copy(out, at, ni, r);
    out[at++] = 125;
    out[at++] = 93; // ]
    return out.toString('utf8', 0, at);
  }

  /**
   * The brief from a Decision's parsed head (everything before `candidates`, which
   * `decide()` emits in that order) without touching its candidates:
   * the chosen candidate's two numbers are read from the bytes. Null on another shape.
   * Structural keys cannot occur inside JSON strings (their quotes would be escaped).
   */
  private brief(line: Buffer, parsedHead: unknown, ci: number, de: number): DecisionBrief | null {
    return briefFromHead(parsedHead, (chosen) => this.chosenNumbers(line, chosen, ci, de));
  }

  /** The chosen candidate's latency estimate and price, read from the candidates' bytes [ci, de); null when not found. */
  private chosenNumbers(line: Buffer, chosen: string, ci: number, de: number): { latency: number | null; price: number | null } | null {
    const at = find(line, this.needle(chosen), ci, de);
    if (at < 0) return null;
    const l = numberAfter(line, B.latency, at, de);
    const p = numberAfter(line, B.price, at, de);
    return l === undefined || p === undefined ? null : { latency: l, price: p };
  }


  /** `{"clusterId":"<id>",` as bytes, made once per cluster id. */
  private needle(clusterId: string): Buffer {
    let b = this.needles.get(clusterId);
    if (b === undefined) {
      b = Buffer.from(`{"clusterId":${JSON.stringify(clusterId)},`);
      if (this.needles.size > 4096) this.needles.clear();
      this.needles.set(clusterId, b);
    }
    return b;
  }

  /** The policy at [a, b): records in a row share one, so compare bytes with the last before decoding anything. */
  private policy(buf: Buffer, a: number, b: number, where: string): Policy {
    const last = this.lastPolicyBytes;
    if (last !== null && this.lastPolicy !== null && last.length === b - a && buf.compare(last, 0, last.length, a, b) === 0) return this.lastPolicy;
    const text = buf.toString('utf8', a, b);
    let policy = this.policies.get(text);
    if (policy === undefined) {
      policy = deserializePolicy(parseJson(text, `${where}: input.policy`), `${where}: input.policy`);
      if (this.policies.size > 64) this.policies.clear();
      this.policies.set(text, policy);
    }
    this.lastPolicyBytes = Buffer.from(buf.subarray(a, b));
    this.lastPolicy = policy;
    return policy;
  }

  /** The snapshot a record names (`where()` names the record in errors). */
  private snapshot(id: string): AppSnapshot {
    let s = this.snapshots.get(id);
    if (s === undefined && this.source !== undefined) {
      s = this.source.lookup(id);
      if (s !== undefined) {
        this.keep(s);
        this.snapshots.set(id, s);
      }
    }
    if (s === undefined) throw new BacktestError('bad-record', `${this.where()}: snapshotRef "${id}" names no earlier snapshot line`);
    if (s.parsed === null) {
      const what = `${this.where()}: snapshot ${id} (${s.at})`;
      const text = s.text ?? this.textAgain(s);
      s.parsed = deserializeSnapshot(this.sections.parse(text) ?? parseJson(text, what), what);
      this.snapshotsParsed++;
      if (s.parsedBefore === true && ++this.parsedAgain >= this.parsedRoom && this.parsedRoom < PARSED_SNAPSHOTS_MOST) {
        this.parsedRoom *= 2;
        this.parsedAgain = 0;
      }
      s.parsedBefore = true;
      this.parsedOrder.push(s);
      if (this.parsedOrder.length > this.parsedRoom) {
        const old = this.parsedOrder.shift();
        if (old !== undefined) old.parsed = null;
      }
    }
    return s.parsed;
  }

  /**
   * Keeps `s`'s text and drops the text of the line kept longest, if it can be read again (its
   * offset is known). Kept for every snapshot line, the texts were a replay's whole growth in
   * memory (a 1M-record file: 400 MB at its end) and, live in V8's old generation, ~5 % of its CPU.
   */
  private keep(s: StoredSnapshot): void {
    if (s.offset < 0) return;
    const old = this.kept[this.keptAt];
    if (old !== undefined && old !== s) old.text = null;
    this.kept[this.keptAt] = s;
    this.keptAt = (this.keptAt + 1) % this.kept.length;
  }

  /** A dropped snapshot text, read again from its line (rare: a record naming a snapshot read long before). */
  private textAgain(s: StoredSnapshot): string {
    this.textsReadAgain++;
    const line = readLineAt(this.file, s.offset);
    // A line just read always carries its text; kept again as if just read.
    s.text = snapshotOfLine(line, 0, line.length, s.at, s.offset).stored.text as string;
    this.keep(s);
    return s.text;
  }
}

/** End of the line without trailing whitespace (a CRLF file's '\r'). */
function trimEnd(buf: Buffer, s: number, e: number): number {
  while (e > s && isSpace(buf[e - 1])) e--;
  return e;
}

/** The JSON number (or null) after `key`, searching [from, end); undefined when absent or malformed. */
function numberAfter(buf: Buffer, key: Buffer, from: number, end: number): number | null | undefined {
  const k = find(buf, key, from, end);
  if (k < 0) return undefined;
  const start = k + key.length;
  let e = start;
  while (e < end && buf[e] !== 44 /* , */ && buf[e] !== 125 /* } */) e++;
  const raw = buf.toString('latin1', start, e);
  if (raw === 'null') return null;
  const n = Number(raw);
  return raw.length > 0 && Number.isFinite(n) ? n : undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BacktestError('bad-record', `${where}: not valid JSON (${(err as Error).message})`);
  }
}

function parseObject(text: string, where: string): Record<string, unknown> {
  const o = parseJson(text, where);
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new BacktestError('bad-record', `${where} must be a JSON object`);
  return o as Record<string, unknown>;
}

/** A record's canary note (parsed JSON, absent or null for none); a malformed one is a `bad-record`. */
function canaryOf(value: unknown, where: string): CanaryNote | null {
  return value === undefined || value === null ? null : canaryFromText(JSON.stringify(value), where);
}

/** The canary note from its JSON text (`null` for none); a malformed one is a `bad-record`. */
function canaryFromText(text: string, where: string): CanaryNote | null {
  try {
    return parseCanaryJson(text === 'null' ? null : text, `${where}: canary`);
  } catch (err) {
    throw new BacktestError('bad-record', `${where}: canary note is not valid (${(err as Error).message})`);
  }
}

/**
 * Writes records as NDJSON, each distinct snapshot once; returns how many records were written.
 * A file named `*.gz` is written gzip-compressed (read back as it is: `gzip-lines.ts`). A file
 * that cannot be written is an `output-write` error naming it (it was an unhandled stream error
 * that ended the process); what reading the records throws is thrown as it is.
 */
export async function writeNdjson(file: string, records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>): Promise<number> {
  const sink = createWriteStream(file);
  const gzip = file.endsWith('.gz') ? createGzip() : null;
  const out = gzip ?? sink;
  const broken = new Promise<never>((_, reject) => {
    sink.once('error', reject);
    gzip?.once('error', reject);
  }).catch((err: unknown) => {
    throw new BacktestError('output-write', `cannot write ${file}: ${(err as Error).message}`);
  });
  // Raced below; handled here too, so a failure while the records are still being read is not unhandled.
  broken.catch(() => undefined);
  gzip?.pipe(sink);
  const ids = new Map<string, string>();
  let lastObject: AppSnapshot | null = null;
  let lastId = '';
  let nextId = 1;
  let n = 0;
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await Promise.race([once(out, 'drain'), broken]);
  };
  try {
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
      // The request's own job pin is not in the shared snapshot line: it stays with the record, as in libSQL.
      const line = { v: RECORD_FORMAT_VERSION, decision: r.decision, outcomes: r.outcomes, ...canary, input: { ...input, ...recordPins(r.input.snapshot), snapshotRef: id } };
      await write(`${JSON.stringify(line)}\n`);
      n++;
    }
    out.end();
    // Done when the file's own stream has finished (a gzip stream finishes before its last bytes land).
    await Promise.race([once(sink, 'finish'), broken]);
  } catch (err) {
    sink.destroy();
    gzip?.destroy();
    throw err;
  }
  return n;
}
