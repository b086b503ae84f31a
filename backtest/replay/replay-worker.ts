/** One replay thread (`parallel-replay.ts`): its own blocks of the file's records, folded into a partial. */
import { parentPort, workerData } from 'node:worker_threads';
import { BacktestError } from '../errors.ts';
import { fileLineBatches, NdjsonDecoder } from './ndjson.ts';
import { THREAD_BLOCK, type WorkerTask } from './parallel-replay.ts';
import { ReplayAccumulator } from './replay-engine.ts';

async function run(task: WorkerTask): Promise<void> {
  const acc = new ReplayAccumulator(task.opts);
  const dec = new NdjsonDecoder(task.file);
  let n = 0;
  let index = 0;
  for await (const lines of fileLineBatches(task.file)) {
    for (const line of lines) {
      n++;
      if (dec.isRecord(line)) {
        const mine = Math.floor(index / THREAD_BLOCK) % task.threads === task.thread;
        index++;
        // Not ours: skip without parsing.
        if (!mine) continue;
        const r = dec.line(line, n);
        if (r === null) continue;
        const head = r.brief ?? r.decision;
        if (task.app !== undefined && head.appId !== task.app) continue;
        if (task.since !== undefined && head.at < task.since) continue;
        acc.add(r, index - 1);
      } else dec.line(line, n);
    }
  }
  parentPort?.postMessage({ ok: true, partial: acc.partial() });
}

run(workerData as WorkerTask).catch((err: unknown) => {
  const code = err instanceof BacktestError ? err.code : 'input-read';
  parentPort?.postMessage({ ok: false, code, message: err instanceof Error ? err.message : String(err) });
});
