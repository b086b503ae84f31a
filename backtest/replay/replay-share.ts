/**
 * One thread's share of a parallel replay (`parallel-replay.ts`): the calling thread and each
 * worker thread run this over the whole file. Records go in blocks of THREAD_BLOCK; a thread
 * re-runs the blocks it claims and only counts (and keeps the snapshot lines of) the others.
 * Claims are first come, first served through one shared counter, so a thread that started
 * late (a worker still booting) or runs slower simply claims fewer blocks. Which thread took
 * a block never changes the report (`mergePartials`). A replay on one thread runs this alone.
 */
import { fileChunks, lineEnd, NdjsonDecoder } from './ndjson.ts';
import { ReplayAccumulator, type ReplayPartial } from './replay-engine.ts';
import type { ReplayRecord } from './lazy-record.ts';
import { THREAD_BLOCK, type ParallelJob } from './replay-task.ts';

/**
 * Slots of the shared Int32Array: the next unclaimed block; a stop flag (a canary note was met, or
 * a thread failed); the file's block count + 1 once a thread has read to its end (0: not yet); then one
 * slot per worker, set before its first claim (a worker whose slot is still 0 when every block is
 * taken holds none and can be ended).
 */
export const NEXT_BLOCK = 0;
export const STOP = 1;
export const TOTAL_BLOCKS = 2;
export const WORKER_SLOTS = 3;

export function claimSlots(workers: number): number {
  return WORKER_SLOTS + workers;
}

export type ShareResult =
  | { readonly kind: 'partial'; readonly partial: ReplayPartial; readonly blocks: number; readonly accumulator: ReplayAccumulator | null }
  | { readonly kind: 'canary' }
  | { readonly kind: 'stopped' };

/**
 * Whether this thread takes block `b`. Every thread walks the blocks in order and has either
 * taken or found taken each block before `b`, so the counter is at `b` (block b is free) or past
 * it (another thread took it); one compare-and-swap decides between threads arriving together.
 */
export function claimBlock(claims: Int32Array, b: number): boolean {
  return Atomics.load(claims, NEXT_BLOCK) === b && Atomics.compareExchange(claims, NEXT_BLOCK, b, b + 1) === b;
}

/** Whether every block has been taken, so a thread that took none of the rest can stop reading. */
export function allTaken(claims: Int32Array): boolean {
  // TOTAL_BLOCKS holds the block count + 1 (0: no thread has reached the end yet).
  const total = Atomics.load(claims, TOTAL_BLOCKS);
  return total > 0 && Atomics.load(claims, NEXT_BLOCK) >= total - 1;
}

/**
 * `slot`: the worker's own slot (`WORKER_SLOTS + n`), or -1 for the calling thread. `alone`: the only
 * thread, which takes every block without claiming and replays policy-canary records too (its
 * accumulator's report then has the canary side-by-side). `progress`: called with how many records
 * this thread has passed (replayed or left to another), at each block.
 */
export async function replayShare(job: ParallelJob, claims: Int32Array, slot = -1, alone = false, progress?: (records: number) => void): Promise<ShareResult> {
  const acc = new ReplayAccumulator(job.opts);
  const dec = new NdjsonDecoder(job.file);
  let index = 0;
  let block = -1;
  let mine = false;
  let blocks = 0;
  // Records are replayed and dropped before the next chunk is asked for: the chunk buffers can be reused.
  for await (const buf of fileChunks(job.file, undefined, { recycle: true })) {
    for (let s = 0; s < buf.length; ) {
      const e = lineEnd(buf, s);
      const kind = dec.kind(buf, s, e);
      if (kind === 'snapshot') dec.snapshotLine(buf, s, e);
      else if (kind === 'record') {
        const b = Math.floor(index / THREAD_BLOCK);
        if (b !== block) {
          block = b;
          if (b > 0) progress?.(index);
          if (alone) {
            blocks++;
            mine = true;
          } else {
            if (Atomics.load(claims, STOP) !== 0) return { kind: 'stopped' };
            if (slot >= 0) Atomics.store(claims, slot, 1);
            mine = claimBlock(claims, b);
            if (mine) blocks++;
            else if (allTaken(claims)) return { kind: 'partial', partial: acc.partial(), blocks, accumulator: acc };
          }
        }
        index++;
        // Not ours: skip without decoding a byte of it.
        if (mine) {
          const r = dec.record(buf, s, e);
          // A policy canary's side-by-side report is not merged across threads: the caller replays the file on one.
          if (!alone && r.canary !== undefined && r.canary !== null) {
            Atomics.store(claims, STOP, 1);
            return { kind: 'canary' };
          }
          add(acc, job, r, index - 1);
        }
      }
      s = e + 1;
    }
  }
  Atomics.store(claims, TOTAL_BLOCKS, Math.ceil(index / THREAD_BLOCK) + 1);
  progress?.(index);
  return { kind: 'partial', partial: acc.partial(), blocks, accumulator: acc };
}

function add(acc: ReplayAccumulator, job: ParallelJob, r: ReplayRecord, index: number): void {
  const head = r.brief ?? r.decision;
  if (job.app !== undefined && head.appId !== job.app) return;
  if (job.since !== undefined && head.at < job.since) return;
  acc.add(r, index);
}
