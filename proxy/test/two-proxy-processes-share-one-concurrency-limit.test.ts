/**
 * Issue 18 #3: an app's concurrency limit holds across all proxies of a region. Two real proxy
 * processes share one real libSQL (the Hrana endpoint of control/hrana); both are hammered at
 * once with long streams. Together they never have more than the limit in flight (the
 * documented bound is 0 while both reach libSQL), and both get to serve. Then libSQL goes away:
 * once the leases lapse each proxy admits its documented fallback share, limit / 2 — never zero,
 * never the whole limit on its own.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { concurrencyOvershootBound, fallbackShare } from '../../shared/limits/lease-share.ts';
import { hammer, stream, useSharedLimitStack } from './shared-limit-fixture.ts';

const LIMIT = 4;
// The default interval: renewals take a few round trips, slow on a loaded test machine.
const INTERVAL_MS = 1_000;

describe('two proxy processes share one concurrency limit through libSQL', () => {
  const stack = useSharedLimitStack(['proxy-a', 'proxy-b'], LIMIT, INTERVAL_MS);

  it('never has more than the limit in flight across both, and degrades to limit/2 each without libSQL', async () => {
    const { proxies, tokenOf, db } = stack;
    // 6 clients per proxy keep asking: 12 would-be streams against a limit of 4.
    const { peak, admitted, unexpected } = await hammer(proxies, tokenOf, 6, 6_000);
    expect(unexpected).toEqual([]);
    // While both renew, the documented bound is 0: the limit itself.
    expect(concurrencyOvershootBound(LIMIT, 2, 0)).toBe(0);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(peak).toBeGreaterThanOrEqual(LIMIT - 1);
    for (const p of proxies) expect(admitted.get(p.id) ?? 0).toBeGreaterThan(0);

    // libSQL goes away. Leases lapse after 2 intervals; renewals then fail until the lifetime
    // (3 intervals) has passed: wait well past both.
    const dead = once(db.child, 'exit');
    db.child.kill('SIGKILL');
    await dead;
    await new Promise((r) => setTimeout(r, 5 * INTERVAL_MS));
    const share = fallbackShare(LIMIT, 2, true);
    expect(share).toBe(2);
    for (const p of proxies) {
      let inFlight = 0;
      const statuses = await Promise.all(
        Array.from({ length: LIMIT }, () => stream(p, tokenOf(p), () => (inFlight += 1))),
      );
      expect({ proxy: p.id, admitted: statuses.filter((s) => s === 200).length }).toEqual({ proxy: p.id, admitted: share });
      expect(statuses.filter((s) => s === 429)).toHaveLength(LIMIT - share);
      expect(inFlight).toBe(share);
    }
  }, 120_000);
});
