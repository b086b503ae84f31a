/**
 * Issue 16 #1: a region-scoped concurrency limit holds across proxies that each run several
 * worker processes. Two real proxy processes with PROXY_WORKERS=2 each (a primary and two
 * workers) share one real libSQL; both are hammered with long streams over fresh connections (so
 * the primary spreads them over both workers). Each proxy's primary is its one lease holder
 * (cluster-limits.ts), so the documented bound is the two-proxy one: 0 over the limit while both
 * renew — workers add nothing. With one lease holder per worker (before) this saw peaks of 5–7.
 */
import { createClient } from '@libsql/client';
import { describe, expect, it } from 'vitest';
import { concurrencyOvershootBound } from '../../shared/limits/lease-share.ts';
import { hammer, useSharedLimitStack } from './shared-limit-fixture.ts';

const LIMIT = 4;
const INTERVAL_MS = 1_000;

describe('two proxies of two workers each share one region limit', () => {
  const stack = useSharedLimitStack(['proxy-a', 'proxy-b'], LIMIT, INTERVAL_MS, { PROXY_WORKERS: '2' });

  it('never has more than the limit in flight across both proxies, and each proxy holds one lease', async () => {
    const { proxies, tokenOf } = stack;
    // 8 clients per proxy: 16 would-be streams against a limit of 4, over 4 worker processes.
    const { peak, admitted, unexpected } = await hammer(proxies, tokenOf, 8, 8_000);
    expect(unexpected).toEqual([]);
    expect(concurrencyOvershootBound(LIMIT, 2, 0)).toBe(0);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(peak).toBeGreaterThanOrEqual(LIMIT - 1);
    for (const p of proxies) expect(admitted.get(p.id) ?? 0).toBeGreaterThan(0);

    // The lease holders are the proxies themselves, never `<id>#<worker>` (every row written, live
    // or lapsed: expired rows are pruned only a minute later).
    const client = createClient({ url: stack.db.url });
    const rows = await client.execute('SELECT DISTINCT proxy_id FROM limit_leases');
    client.close();
    expect(rows.rows.map((r) => String(r['proxy_id'])).sort()).toEqual(['proxy-a', 'proxy-b']);
  }, 120_000);
});
