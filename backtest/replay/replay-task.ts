/**
 * What the main thread and a replay thread (`replay-worker.ts`) exchange. Kept apart from
 * `parallel-replay.ts`, whose start-up code (`import.meta`, worker boot) the thread must not run.
 */
import type { ReplayOptions, ReplayPartial } from './replay-engine.ts';

/**
 * Bytes per block: a thread claims runs of blocks (`claimNext`) and reads only the lines that
 * start in them (~700 records of ~6 KB a block). The last runs are single blocks: small enough
 * that threads finish together.
 */
export const BLOCK_BYTES = 4 << 20;

export interface ParallelJob {
  readonly file: string;
  readonly opts: ReplayOptions;
  readonly threads: number;
  readonly app?: string;
  readonly since?: number;
  /** false: the calling thread only waits and the workers take every block (tests of the worker path; default true). */
  readonly callerReplays?: boolean;
  /** The file's size when the replay started (every thread splits the same bytes); read by the thread if absent. */
  readonly size?: number;
  /** Block size (tests; default `BLOCK_BYTES`). */
  readonly blockBytes?: number;
  /** Snapshot lines whose text a thread keeps (tests; default `KEPT_SNAPSHOT_TEXTS`). */
  readonly keptSnapshotTexts?: number;
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
