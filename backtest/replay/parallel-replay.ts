/**
 * `switchyard replay --input file.ndjson` on N threads: the calling thread and N − 1 worker
 * threads. Each thread reads and re-runs only the runs of byte blocks of the file it claims
 * (`replay-share.ts`, first come first served); the calling thread starts at once, workers join
 * as they boot, and the partial totals are added up. Costs are exact sums, counts are keyed,
 * latency lists are sorted before quantiles: the report is the same for any thread count and
 * any split, and the same as a single-threaded replay.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { StrategyName } from '../../shared/domain/types.ts';
import { threadBoot, type ThreadBoot } from '../../proxy/src/typescript-thread.ts';
import { BacktestError } from '../errors.ts';
import { isGzipFile } from './gzip-lines.ts';
import { mergePartials, reportOf, type ReplayPartial, type ReplayReport } from './replay-engine.ts';
import { allTaken, claimSlots, fileSize, RECORDS, replayShare, STOP, WORKER_SLOTS, type ShareResult } from './replay-share.ts';
import type { ParallelJob, WorkerMessage, WorkerTask } from './replay-task.ts';
import { usableCores } from '../../proxy/src/usable-cores.ts';

export { BLOCK_BYTES, type ParallelJob, type WorkerTask, type WorkerMessage } from './replay-task.ts';

/** Strategies whose decisions depend on earlier ones (state outside the record): those replay in order on one thread. */
const STATEFUL: ReadonlySet<StrategyName> = new Set<StrategyName>(['round-robin', 'least-outstanding', 'power-of-two']);

/** Whether records can be split across threads without changing any decision. */
export function canSplit(strategy: StrategyName | null): boolean {
  return strategy === null || !STATEFUL.has(strategy);
}

/**
 * One replay thread per core. A thread reads only its own blocks of the file, so a second thread
 * adds its records' work and little else: on 2 cores the built CLI replayed 200,000 decisions at
 * ~104k/s on 2 threads against ~81k/s on 1 (BENCHMARKS, replay session 38), 1M at ~150k/s. One
 * thread keeps more than a core busy (V8's concurrent GC and compiler, libuv's reads), which is
 * why two on two cores are not twice as fast on a short file.
 */
export function defaultThreads(cores = usableCores()): number {
  return Math.max(1, cores);
}

/**
 * Whether V8's young-generation collections should run on the collecting thread alone: when the
 * replay threads take every core, a scavenge split over V8's helper threads only contends with the
 * other replay thread. The built CLI replayed 200,000 records on 2 threads at a median 94k/s with
 * parallel scavenges off against 88k/s with them on (5 alternating runs each, 2 cores); one thread
 * is as fast or a little faster with them on (a helper then has an idle core). BENCHMARKS, replay,
 * session 38.
 */
export function serialScavengesPay(threads: number, cores = usableCores()): boolean {
  return threads > 1 && threads >= cores;
}

/**
 * Turns parallel scavenges off for the whole process (every thread's heap). Node 20's V8 reads
 * the flag at each scavenge, so it takes effect once set; it is process-wide, so only a process
 * that is about to replay on every core (the CLI) sets it, never a library caller.
 */
export function serialScavenges(): void {
  setFlagsFromString('--no-parallel-scavenge');
}

const WORKER = new URL('./replay-worker.ts', import.meta.url);

/** The replay worker's boot code (the build's file, or bundled once per process: proxy/src/typescript-thread.ts). */
export function workerBoot(): Promise<ThreadBoot> {
  return threadBoot(WORKER);
}

/**
 * The report of the file's records replayed on `job.threads` threads; null when the file holds
 * policy-canary notes (threads do not merge the canary side-by-side report: replay it on one) or
 * is gzip-compressed (it has no byte blocks: read it in order, `readNdjson`).
 * The threads find such a note themselves as they read their records: a pre-scan of the whole
 * file for it cost as much CPU as a fifth of the replay. The calling thread replays from the
 * first record while the workers boot (bundle, thread start: ~0.3 s that was idle before); a
 * worker that has not claimed a block by the time every block is taken is ended unstarted.
 */
export async function replayNdjsonParallel(whole: ParallelJob, progress?: (records: number) => void): Promise<ReplayReport | null> {
  const started = performance.now();
  if (await isGzipFile(whole.file)) return null;
  // Every thread splits the bytes the file had now (a file still being appended to keeps its start).
  const job: ParallelJob = { ...whole, size: whole.size ?? (await fileSize(whole.file)) };
  const workers = Math.max(0, Math.floor(job.threads) - 1);
  const shared = new SharedArrayBuffer(claimSlots(workers) * Int32Array.BYTES_PER_ELEMENT);
  const claims = new Int32Array(shared);
  if (workers === 0) {
    // One thread: every record in order (so any strategy, and canary notes too), no worker to boot.
    const alone = await replayShare(job, claims, -1, true, progress);
    return alone.kind === 'partial' && alone.accumulator !== null ? alone.accumulator.report() : null;
  }
  if (!canSplit(job.opts.strategy)) throw new BacktestError('bad-option', `--threads: strategy ${job.opts.strategy ?? ''} keeps state between decisions; replay it with --threads 1`);
  const crew: Crew = { workers: [], stopped: false, done: false, claims };
  // Each started worker's result, by worker number (none while the bundle is still being built).
  const results: Promise<ReplayPartial | 'canary' | null>[] = [];
  const helpers = workerBoot().then(({ code }) => {
    for (let worker = 0; worker < workers && !crew.done; worker++) results.push(runThread(code, { ...job, claims: shared, worker }, crew));
    return Promise.all(results);
  });
  // Awaited below; handled here too, so a worker's failure while this thread still replays is not an unhandled rejection.
  helpers.catch(() => undefined);
  try {
    // The calling thread reports every thread's records as it goes (workers add theirs to a shared count).
    const own = job.callerReplays === false && workers > 0 ? await workersOnly(claims) : await replayShare(job, claims, -1, false, progress);
    if (own.kind !== 'partial') {
      // A canary note (here or in a worker, which then stopped everyone): workers stop at their next
      // block, and none is started after this.
      Atomics.store(claims, STOP, 1);
      crew.done = true;
      await helpers;
      return null;
    }
    // Every block is taken: a worker that never tried to claim one holds none; it is ended, not waited
    // for (a small file is done before a worker has booted), and none is started after this.
    crew.done = true;
    const theirs = await Promise.all(
      results.map((result, n) => {
        if (Atomics.load(claims, WORKER_SLOTS + n) !== 0) return result;
        void crew.workers[n]?.terminate();
        return null;
      }),
    );
    const parts = [own.partial];
    for (const t of theirs) {
      if (t === 'canary') return null;
      if (t !== null) parts.push(t);
    }
    const merged = mergePartials(parts);
    progress?.(Atomics.load(claims, RECORDS));
    return reportOf(merged, job.opts, performance.now() - started);
  } catch (err) {
    Atomics.store(claims, STOP, 1);
    stopAll(crew);
    await helpers.catch(() => undefined);
    throw err;
  }
}

/** The calling thread's share when it takes none: wait for the workers to take every block. */
async function workersOnly(claims: Int32Array): Promise<ShareResult> {
  for (;;) {
    if (Atomics.load(claims, STOP) !== 0) return { kind: 'stopped' };
    if (allTaken(claims)) return { kind: 'partial', partial: mergePartials([]), blocks: 0, runs: 0, accumulator: null };
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A replay thread's young generation: 48 MB, what the calling thread has by default (Node 20),
 * now that the CLI makes every scavenge serial when the threads fill the cores
 * (`serialScavenges`). Built CLI, 200,000 records on 2 threads, 4 alternating runs each
 * (session 38): median 95.6k/s with 48 MB against 91.7k/s with 12 MB (the earlier choice,
 * measured with parallel scavenges at load 6-8), 89k/s with 24 and 91k/s with 96.
 */
const YOUNG_GENERATION_MB = 48;

/** The worker threads of one replay; `stopped` once one met a canary note or failed; `done` once every block is taken. */
interface Crew {
  readonly workers: Worker[];
  stopped: boolean;
  done: boolean;
  readonly claims: Int32Array;
}

function stopAll(crew: Crew): void {
  crew.stopped = true;
  Atomics.store(crew.claims, STOP, 1);
  for (const w of crew.workers) void w.terminate();
}

/** One worker's partial; 'canary' when it met a canary note; null when it took no block or was ended. */
function runThread(code: string, task: WorkerTask, crew: Crew): Promise<ReplayPartial | 'canary' | null> {
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: task, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    crew.workers[task.worker] = w;
    let done = false;
    w.once('message', (m: WorkerMessage) => {
      done = true;
      if (m.kind === 'partial') resolve(m.blocks > 0 ? m.partial : null);
      else if (m.kind === 'canary') {
        resolve('canary');
        stopAll(crew);
      } else if (m.kind === 'stopped') resolve(null);
      else {
        Atomics.store(crew.claims, STOP, 1);
        reject(new BacktestError(m.code as 'bad-record', m.message));
      }
    });
    w.once('error', (err) => {
      done = true;
      Atomics.store(crew.claims, STOP, 1);
      reject(err);
    });
    w.once('exit', (code) => {
      if (done) return;
      // Ended unstarted (every block taken) or because another thread met a canary note: its share is not needed.
      if (crew.stopped || crew.done) resolve(null);
      else {
        Atomics.store(crew.claims, STOP, 1);
        reject(new BacktestError('input-read', `replay thread ${task.worker + 1} exited with code ${code}`));
      }
    });
  });
}
