/**
 * Issue 16 #1: a region-scoped concurrency limit holds across proxies that each run several
 * worker processes. Two real proxy processes with PROXY_WORKERS=2 each (a primary and two
 * workers) share one real libSQL; both are hammered with long streams over fresh connections (so
 * the primary spreads them over both workers). Each proxy's primary is its one lease holder
 * (cluster-limits.ts), so the documented bound is the two-proxy one: 0 over the limit while both
 * renew — workers add nothing. With one lease holder per worker (before) this saw peaks of 5–7.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { concurrencyOvershootBound } from '../../shared/limits/lease-share.ts';
import { startReplica, testKeys, type TestKeys } from './harness.ts';
import { hammer, spawnLeasingProxy, spawnLibsql, type LeasingProxy } from './shared-limit-fixture.ts';

const LIMIT = 4;
const INTERVAL_MS = 1_000;

describe('two proxies of two workers each share one region limit', () => {
  let db: { url: string; child: ChildProcess };
  const dir = mkdtempSync(join(tmpdir(), 'sy-workers-shared-limit-'));
  let sim: SimCluster;
  let keys: TestKeys;
  const proxies: LeasingProxy[] = [];

  beforeAll(async () => {
    keys = await testKeys();
    // 20 tokens/s × 10 tokens: each stream holds its slot ~0.5 s; the replica itself never refuses.
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20, slots: 64 });
    db = await spawnLibsql(join(dir, 'sy.db'), sim.url, LIMIT);
    proxies.push(
      ...(await Promise.all(
        ['proxy-a', 'proxy-b'].map((id) => spawnLeasingProxy(id, db.url, keys.jwks, INTERVAL_MS, { PROXY_WORKERS: '2' })),
      )),
    );
  }, 120_000);

  afterAll(async () => {
    // SIGKILL to a primary leaves its workers to drain themselves (IPC gone); deadline 0.
    for (const p of proxies) p.child.kill('SIGKILL');
    db.child.kill('SIGKILL');
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never has more than the limit in flight across both proxies, and each proxy holds one lease', async () => {
    const tokens = new Map(await Promise.all(proxies.map(async (p) => [p.id, await keys.mint({ aud: p.id, ttlSeconds: 300 })] as const)));
    // 8 clients per proxy: 16 would-be streams against a limit of 4, over 4 worker processes.
    const { peak, admitted, unexpected } = await hammer(proxies, (p) => tokens.get(p.id) ?? '', 8, 8_000);
    expect(unexpected).toEqual([]);
    expect(concurrencyOvershootBound(LIMIT, 2, 0)).toBe(0);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(peak).toBeGreaterThanOrEqual(LIMIT - 1);
    for (const p of proxies) expect(admitted.get(p.id) ?? 0).toBeGreaterThan(0);

    // The lease holders are the proxies themselves, never `<id>#<worker>` (every row written, live
    // or lapsed: expired rows are pruned only a minute later).
    const client = createClient({ url: db.url });
    const rows = await client.execute('SELECT DISTINCT proxy_id FROM limit_leases');
    client.close();
    expect(rows.rows.map((r) => String(r['proxy_id'])).sort()).toEqual(['proxy-a', 'proxy-b']);
  }, 120_000);
});
