/**
 * What the main thread and a replay thread (`replay-worker.ts`) exchange. Kept apart from
 * `parallel-replay.ts`, whose start-up code (`import.meta`, worker boot) the thread must not run.
 */
import type { ReplayOptions, ReplayPartial } from './replay-engine.ts';

/** Records per block handed to one thread (a multiple of the cost block). */
export const THREAD_BLOCK = 1024;

export interface ParallelJob {
  readonly file: string;
  readonly opts: ReplayOptions;
  readonly threads: number;
  readonly app?: string;
  readonly since?: number;
}

export interface WorkerTask extends ParallelJob {
  readonly thread: number;
}

/** What a replay thread posts back: its totals, a policy-canary record seen, or a failure. */
export type WorkerMessage = { kind: 'partial'; partial: ReplayPartial } | { kind: 'canary' } | { kind: 'error'; code: string; message: string };
