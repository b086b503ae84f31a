/**
 * The kernel's accept queue of a listening port (/proc/net/tcp*): how a test knows a burst of
 * connections against a stopped proxy is all queued before the proxy runs again.
 */
import { readFileSync } from 'node:fs';

/** The accept-queue length of the socket listening on `port` (rx_queue of its LISTEN row). */
export function acceptQueue(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(`:${hexPort}`) === true && f[3] === '0A') return parseInt(f[4]?.split(':')[1] ?? '0', 16);
    }
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** The accept queue's length once it reaches `n` or holds still for 1.5 s (20 s at most). */
export async function peakQueue(port: number, n: number): Promise<number> {
  const deadline = performance.now() + 20_000;
  let peak = 0;
  let still = 0;
  while (peak < n && still < 5 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    const q = acceptQueue(port);
    still = q > peak ? 0 : still + 1;
    peak = Math.max(peak, q);
  }
  return peak;
}
