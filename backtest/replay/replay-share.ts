/**
 * One thread's share of a parallel replay (`parallel-replay.ts`): the calling thread and each
 * worker thread run this. The file goes in byte blocks of BLOCK_BYTES; a thread claims the next
 * run of blocks through one shared counter (first come, first served, so a thread that started late
 * or runs slower simply claims fewer) and reads only the lines that start in it: no thread reads
 * another's records. Runs are long at first and shorten as the file is used up (`claimNext`), so a
 * thread rarely starts somewhere new, and snapshot lines from before a run come from
 * `SnapshotIndex`. Which thread took a block never changes the report (`mergePartials`). A replay
 * on one thread runs this alone, every block in order.
 */
import { stat } from 'node:fs/promises';
import { BacktestError } from '../errors.ts';
import type { ReplayRecord } from './lazy-record.ts';
import { withLineNumbers } from './line-numbers.ts';
import { fileChunks, lineEnd, NdjsonDecoder, type ByteRange } from './ndjson.ts';
import { ReplayAccumulator, type ReplayPartial } from './replay-engine.ts';
import { BLOCK_BYTES, type ParallelJob } from './replay-task.ts';
import { SnapshotIndex } from './snapshot-index.ts';

/**
 * Slots of the shared Int32Array: the next unclaimed block; a stop flag (a canary note was met, or
 * a thread failed); the file's block count + 1 (0: no thread has looked at the file yet); the records
 * all threads have replayed (for progress); then one
 * slot per worker, set before its first claim (a worker whose slot is still 0 when every block is
 * taken holds none and can be ended).
 */
export const NEXT_BLOCK = 0;
export const STOP = 1;
export const TOTAL_BLOCKS = 2;
/** Records replayed by every thread so far, in steps of PROGRESS_EVERY (and each thread's rest at its end). */
export const RECORDS = 3;
export const WORKER_SLOTS = 4;

export function claimSlots(workers: number): number {
  return WORKER_SLOTS + workers;
}

export type ShareResult =
  | {
      readonly kind: 'partial';
      readonly partial: ReplayPartial;
      readonly blocks: number;
      /** Runs of blocks taken: places in the file where this thread started reading. */
      readonly runs: number;
      readonly accumulator: ReplayAccumulator | null;
    }
  | { readonly kind: 'canary' }
  | { readonly kind: 'stopped' };

/** Consecutive blocks one thread reads in one go: [first, first + count). */
export interface BlockRun {
  readonly first: number;
  readonly count: number;
}

/**
 * The next run of blocks for one of `claimants` threads (each block goes to exactly one), or null
 * when every block is taken. A run is a (2 × claimants)th of the blocks left, at least one: long
 * while much is left, single blocks at the end so the threads still finish together ("guided"
 * scheduling). A thread pays for each place it starts reading: the snapshots its records name were
 * written before it, often in another thread's blocks, so it looks them up and parses them again.
 * A log alternating between many edge isolates' snapshots needs every isolate's, and with one
 * block per claim two threads replayed it slower than one (BENCHMARKS, replay session 39).
 */
export function claimNext(claims: Int32Array, total: number, claimants = 1): BlockRun | null {
  for (;;) {
    const next = Atomics.load(claims, NEXT_BLOCK);
    if (next >= total) return null;
    const count = Math.max(1, Math.floor((total - next) / (2 * Math.max(1, claimants))));
    if (Atomics.compareExchange(claims, NEXT_BLOCK, next, next + count) === next) return { first: next, count };
  }
}

/** Whether every block has been taken, so a thread that took none of them can be ended. */
export function allTaken(claims: Int32Array): boolean {
  const total = Atomics.load(claims, TOTAL_BLOCKS);
  return total > 0 && Atomics.load(claims, NEXT_BLOCK) >= total - 1;
}

/** Records between progress reports. */
const PROGRESS_EVERY = 1024;

/**
 * `slot`: the worker's own slot (`WORKER_SLOTS + n`), or -1 for the calling thread. `alone`: the only
 * thread, which takes every block in order without claiming and replays policy-canary records too
 * (its accumulator's report then has the canary side-by-side). `progress`: called with how many
 * records all threads have replayed, every PROGRESS_EVERY records of this thread and at its end.
 */
export async function replayShare(
  job: ParallelJob,
  claims: Int32Array,
  slot = -1,
  alone = false,
  progress?: (records: number) => void,
): Promise<ShareResult> {
  const size = job.size ?? (await fileSize(job.file));
  const blockBytes = job.blockBytes ?? BLOCK_BYTES;
  const total = Math.ceil(size / blockBytes);
  Atomics.store(claims, TOTAL_BLOCKS, total + 1);
  const acc = new ReplayAccumulator(job.opts);
  const index = new SnapshotIndex(job.file, size, blockBytes);
  const dec = new NdjsonDecoder(job.file, index, job.keptSnapshotTexts);
  dec.offsetsKnown = true;
  // The runs of blocks this thread took, in the order it took them; the reader asks for the next one as it finishes one.
  const taken: BlockRun[] = [];
  let blocks = 0;
  let stopped = false;
  const claim = (): ByteRange | null => {
    if (!alone && Atomics.load(claims, STOP) !== 0) {
      stopped = true;
      return null;
    }
    if (slot >= 0) Atomics.store(claims, slot, 1);
    const last = taken[taken.length - 1];
    const after = last === undefined ? 0 : last.first + last.count;
    const run = alone ? (after < total ? { first: after, count: total - after } : null) : claimNext(claims, total, job.threads);
    if (run === null) return null;
    taken.push(run);
    blocks += run.count;
    return { from: run.first * blockBytes, to: Math.min(size, (run.first + run.count) * blockBytes) };
  };
  const cursor = { at: 0, range: -1 };
  let range = -1;
  // Where the last run this thread entered ends: a run with no line start in it (all inside a long
  // line from another thread's block) gives no chunk and is never entered, so `taken[range - 1]`
  // cannot say whether the next run follows what the decoder last read.
  let enteredEnd = 0;
  let records = 0;
  try {
    // Records are replayed and dropped before the next chunk is asked for: the chunk buffers can be reused.
    reading: for await (const buf of fileChunks(job.file, undefined, {
      recycle: true,
      ranges: claim,
      cursor,
    })) {
      if (cursor.range !== range) {
        range = cursor.range;
        const run = taken[range] ?? { first: 0, count: 1 };
        index.enter(run.first, run.count);
        dec.enterRange(run.first === enteredEnd);
        enteredEnd = run.first + run.count;
      }
      dec.chunkAt = cursor.at;
      for (let s = 0; s < buf.length;) {
        const e = lineEnd(buf, s);
        const kind = dec.kind(buf, s, e);
        if (kind === 'snapshot') dec.snapshotLine(buf, s, e);
        else if (kind === 'record') {
          const r = dec.record(buf, s, e);
          // A policy canary's side-by-side report is not merged across threads: the caller replays the file on one.
          if (!alone && r.canary !== undefined && r.canary !== null) {
            Atomics.store(claims, STOP, 1);
            return { kind: 'canary' };
          }
          // The byte offset orders the record among every thread's (which difference came first).
          add(acc, job, r, cursor.at + s);
          if (++records % PROGRESS_EVERY === 0) {
            const all = Atomics.add(claims, RECORDS, PROGRESS_EVERY) + PROGRESS_EVERY;
            progress?.(all);
            // Another thread met a canary note or failed: a long run is not read to its end for nothing.
            if (!alone && Atomics.load(claims, STOP) !== 0) {
              stopped = true;
              break reading;
            }
          }
        }
        s = e + 1;
      }
    }
  } catch (err) {
    throw await withLineNumbers(err, job.file);
  } finally {
    index.close();
  }
  if (stopped) return { kind: 'stopped' };
  const rest = records % PROGRESS_EVERY;
  const all = Atomics.add(claims, RECORDS, rest) + rest;
  if (rest !== 0 || records === 0) progress?.(all);
  return { kind: 'partial', partial: acc.partial(), blocks, runs: taken.length, accumulator: acc };
}

/** The file's size in bytes; an unreadable file is an `input-read` error naming it. */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  }
}

function add(acc: ReplayAccumulator, job: ParallelJob, r: ReplayRecord, index: number): void {
  const head = r.brief ?? r.decision;
  if (job.app !== undefined && head.appId !== job.app) return;
  if (job.since !== undefined && head.at < job.since) return;
  acc.add(r, index);
}
