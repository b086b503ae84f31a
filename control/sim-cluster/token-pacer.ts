/**
 * Yields token indexes at a fixed rate. Token i is due at `start + i/rate`,
 * so a late timer is caught up rather than drifting, and an abort (client
 * gone, server closing) stops generation at once by rejecting.
 */
import { sleepUntil } from './sleep-until.ts';

export async function* paceTokens(
  count: number,
  tokensPerSecond: number,
  signal: AbortSignal,
  clock: () => number = performance.now.bind(performance),
): AsyncGenerator<number> {
  const start = clock();
  const intervalMs = 1000 / tokensPerSecond;
  for (let i = 0; i < count; i += 1) {
    const due = start + i * intervalMs;
    // Sub-millisecond waits are not worth a timer (high rates in benchmarks).
    if (due - clock() >= 1) await sleepUntil(due, clock, signal);
    signal.throwIfAborted();
    yield i;
  }
}
