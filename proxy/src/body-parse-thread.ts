/**
 * The proxy's parse thread: parses large request bodies (body-parser.ts) so that a tenant's
 * costly JSON never holds the event loop every tenant's requests share.
 */
import { parentPort } from 'node:worker_threads';
import { resultBuffers, runParseTask, type ParseTask } from './body-parse-task.ts';

export interface ParseRequest {
  readonly id: number;
  readonly task: ParseTask;
}

export type ParseReply = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly message: string };

parentPort?.on('message', ({ id, task }: ParseRequest) => {
  let reply: ParseReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const value = runParseTask(task);
    transfer = resultBuffers(value);
    reply = { id, ok: true, value };
  } catch (err) {
    reply = { id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply, transfer);
});
