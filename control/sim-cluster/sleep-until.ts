/**
 * Sleeps until `clock()` reaches `at`. A Node timer counts from the event
 * loop's cached time, which lags the real time by however long the current
 * turn has run, so on a busy machine `setTimeout(ms)` can end a few ms early
 * by any fresh clock read. The simulator promises "at least N ms" (cold
 * starts, job durations, token pacing), so it re-sleeps until its clock agrees.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function sleepUntil(at: number, clock: () => number, signal?: AbortSignal): Promise<void> {
  for (let left = at - clock(); left > 0; left = at - clock()) {
    await sleep(Math.ceil(left), undefined, { signal });
  }
  signal?.throwIfAborted();
}
