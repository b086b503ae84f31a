/**
 * Retries a synchronous engine call that failed with SQLITE_BUSY, waiting
 * asynchronously between attempts so the stream holding the lock (often in
 * this same process) can finish. A statement that fails with SQLITE_BUSY did
 * not run, so running it again is safe.
 */
import { isRetryableBusy } from './errors.ts';

/**
 * Wakes waiters when any request in this process finishes (which may have
 * released the write lock), so they do not sleep a full backoff interval.
 * The timeout still covers locks held by other processes.
 */
export class LockSignal {
  #waiters = new Set<() => void>();

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#waiters.add(wake);
    });
  }
}

export interface BusyPolicy {
  budgetMs: number;
  signal: LockSignal;
}

export async function withBusyRetry<T>(
  run: () => T,
  policy: BusyPolicy,
  /** Called before each retry; returns false when retrying is not safe. */
  recover: () => boolean,
): Promise<T> {
  const deadline = Date.now() + policy.budgetMs;
  let delay = 2;
  for (;;) {
    try {
      return run();
    } catch (err) {
      if (!isRetryableBusy(err) || Date.now() + delay > deadline || !recover()) throw err;
      await policy.signal.wait(delay);
      delay = Math.min(delay * 2, 50);
    }
  }
}
