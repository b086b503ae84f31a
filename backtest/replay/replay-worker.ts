/** One replay thread (`parallel-replay.ts`): its own blocks of the file's records, folded into a partial. */
import { parentPort, workerData } from 'node:worker_threads';
import { BacktestError } from '../errors.ts';
import { fileChunks, lineEnd, NdjsonDecoder } from './ndjson.ts';
import { THREAD_BLOCK, type WorkerMessage, type WorkerTask } from './replay-task.ts';
import { ReplayAccumulator } from './replay-engine.ts';

async function run(task: WorkerTask): Promise<void> {
  const acc = new ReplayAccumulator(task.opts);
  const dec = new NdjsonDecoder(task.file);
  let index = 0;
  // Records are replayed and dropped before the next chunk is asked for: the chunk buffers can be reused.
  for await (const buf of fileChunks(task.file, undefined, { recycle: true })) {
    for (let s = 0; s < buf.length; ) {
      const e = lineEnd(buf, s);
      const kind = dec.kind(buf, s, e);
      if (kind === 'snapshot') dec.snapshotLine(buf, s, e);
      else if (kind === 'record') {
        const mine = Math.floor(index / THREAD_BLOCK) % task.threads === task.thread;
        index++;
        // Not ours: skip without decoding a byte of it.
        if (mine) {
          const r = dec.record(buf, s, e);
          // A policy canary's side-by-side report is not merged across threads: the caller replays the file on one.
          if (r.canary !== undefined && r.canary !== null) return post({ kind: 'canary' });
          add(acc, task, r, index - 1);
        }
      }
      s = e + 1;
    }
  }
  post({ kind: 'partial', partial: acc.partial() });
}

function post(m: WorkerMessage): void {
  parentPort?.postMessage(m);
}

function add(acc: ReplayAccumulator, task: WorkerTask, r: Parameters<ReplayAccumulator['add']>[0], index: number): void {
  const head = r.brief ?? r.decision;
  if (task.app !== undefined && head.appId !== task.app) return;
  if (task.since !== undefined && head.at < task.since) return;
  acc.add(r, index);
}

run(workerData as WorkerTask).catch((err: unknown) => {
  const code = err instanceof BacktestError ? err.code : 'input-read';
  post({ kind: 'error', code, message: err instanceof Error ? err.message : String(err) });
});
