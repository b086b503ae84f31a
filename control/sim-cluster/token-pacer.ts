/**
 * Yields token indexes at a fixed rate. Token i is due at `start + i/rate`,
 * so a late timer is caught up rather than drifting, and an abort (client
 * gone, server closing) stops generation at once by rejecting.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function* paceTokens(
  count: number,
  tokensPerSecond: number,
  signal: AbortSignal,
  clock: () => number = performance.now.bind(performance),
): AsyncGenerator<number> {
  const start = clock();
  const intervalMs = 1000 / tokensPerSecond;
  for (let i = 0; i < count; i += 1) {
    const wait = start + i * intervalMs - clock();
    if (wait >= 1) await sleep(wait, undefined, { signal });
    signal.throwIfAborted();
    yield i;
  }
}
