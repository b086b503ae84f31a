/**
 * Retries a synchronous engine call that failed with SQLITE_BUSY, waiting
 * asynchronously between attempts so the stream holding the lock (often in
 * this same process) can finish. A statement that fails with SQLITE_BUSY did
 * not run, so running it again is safe.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryableBusy } from './errors.ts';

export async function withBusyRetry<T>(
  run: () => T,
  budgetMs: number,
  /** Called before each retry; returns false when retrying is not safe. */
  recover: () => boolean,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let delay = 2;
  for (;;) {
    try {
      return run();
    } catch (err) {
      if (!isRetryableBusy(err) || Date.now() + delay > deadline || !recover()) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, 25);
    }
  }
}
