/**
 * What the main thread and a replay thread (`replay-worker.ts`) exchange. Kept apart from
 * `parallel-replay.ts`, whose start-up code (`import.meta`, worker boot) the thread must not run.
 */
import type { ReplayOptions, ReplayPartial } from './replay-engine.ts';

/** Records per block claimed by one thread (a multiple of the cost block). */
export const THREAD_BLOCK = 1024;

export interface ParallelJob {
  readonly file: string;
  readonly opts: ReplayOptions;
  readonly threads: number;
  readonly app?: string;
  readonly since?: number;
  /** false: the calling thread only waits and the workers take every block (tests of the worker path; default true). */
  readonly callerReplays?: boolean;
}

export interface WorkerTask extends ParallelJob {
  /** The shared claim counter and stop flag (`replay-share.ts`), one SharedArrayBuffer for all threads. */
  readonly claims: SharedArrayBuffer;
  /** This worker's number (0-based; the calling thread is not counted). */
  readonly worker: number;
}

/** What a replay thread posts back: its totals (and how many blocks it took), a policy-canary record seen, stopped by another thread, or a failure. */
export type WorkerMessage =
  | { kind: 'partial'; partial: ReplayPartial; blocks: number }
  | { kind: 'canary' }
  | { kind: 'stopped' }
  | { kind: 'error'; code: string; message: string };
