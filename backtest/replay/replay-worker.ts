/** One replay worker thread (`parallel-replay.ts`): its share of the file's records, folded into a partial. */
import { parentPort, workerData } from 'node:worker_threads';
import { BacktestError } from '../errors.ts';
import { NUMBER_LISTS } from './replay-engine.ts';
import { replayShare, STOP, WORKER_SLOTS } from './replay-share.ts';
import type { WorkerMessage, WorkerTask } from './replay-task.ts';

async function run(task: WorkerTask): Promise<void> {
  const claims = new Int32Array(task.claims);
  try {
    const r = await replayShare(task, claims, WORKER_SLOTS + task.worker);
    post(r.kind === 'partial' ? { kind: 'partial', partial: r.partial, blocks: r.blocks } : r.kind === 'canary' ? { kind: 'canary' } : { kind: 'stopped' });
  } catch (err) {
    Atomics.store(claims, STOP, 1);
    throw err;
  }
}

function post(m: WorkerMessage): void {
  // A partial's number lists go as their buffers, moved rather than copied (the thread ends after this).
  const moved = m.kind === 'partial' ? NUMBER_LISTS.map((k) => m.partial[k].buf.buffer as ArrayBuffer) : [];
  parentPort?.postMessage(m, moved);
}

run(workerData as WorkerTask).catch((err: unknown) => {
  const code = err instanceof BacktestError ? err.code : 'input-read';
  post({ kind: 'error', code, message: err instanceof Error ? err.message : String(err) });
});
