/**
 * Two proxies share a region limit of 4 through one real libSQL file. Both have renewed (with no
 * limited key yet), then learn the same app at once, as at a fleet's start or when an app first
 * gets a limit, and each gets 4 requests together. Before, each admitted them on the fallback
 * share (the whole limit: no peer known yet): 8 in flight against 4. Now a key no lease covers
 * waits for one renewal first, so together they hold at most the limit, and the one that leased
 * first serves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppLimits } from '../../shared/domain/types.ts';
import { migrate } from '../../control/store/migrate.ts';
import { AppLimiter, type Admission, type LimitVerdict } from './app-limits.ts';
import { firstClaimAdmission } from './first-claim-admission.ts';
import { LimitLeases, scopeKey } from './limit-leases.ts';
import { libsqlLeaseStore } from './limit-lease-store.ts';

const APP = 'acme/chat';
const LIMITS: AppLimits = { maxConcurrency: 4, maxRps: null, scope: 'region' };

let dir = '';
let db: Client;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-first-claim-'));
  db = createClient({ url: `file:${join(dir, 'sy.db')}` });
  await migrate(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One proxy's admission as proxy.ts wires it; `gate` false: the AppLimiter alone (before). */
async function proxy(id: string, known: Map<string, AppLimits>, gate: boolean): Promise<Admission> {
  const counted: { limiter?: AppLimiter } = {};
  const leases = new LimitLeases({
    store: libsqlLeaseStore(db),
    proxyId: id,
    region: 'eu-west',
    intervalMs: 60_000, // no timer renewals in the test: only the first-claim ones
    now: Date.now,
    limitedApps: () => [...known],
    inFlight: (key) => counted.limiter?.inFlight(key) ?? 0,
  });
  await leases.renewOnce(); // renewed, no limited key yet
  const limiter = new AppLimiter(
    (key, t) => {
      const limits = known.get(key) ?? { maxConcurrency: null, maxRps: null };
      return scopeKey(limits, 'eu-west') !== null ? leases.effective(key, limits, t) : limits;
    },
    (key, verdict) => leases.observe(key, verdict),
  );
  counted.limiter = limiter;
  const limitsOf = (key: string): AppLimits => known.get(key) ?? { maxConcurrency: null, maxRps: null };
  return gate ? firstClaimAdmission(limiter, leases, limitsOf, Date.now) : limiter;
}

async function burst(gate: boolean): Promise<{ a: number; b: number }> {
  const knownA = new Map<string, AppLimits>();
  const knownB = new Map<string, AppLimits>();
  const a = await proxy('proxy-a', knownA, gate);
  const b = await proxy('proxy-b', knownB, gate);
  knownA.set(APP, LIMITS);
  knownB.set(APP, LIMITS);
  const now = Date.now();
  const asks = (p: Admission): Array<Promise<LimitVerdict>> => Array.from({ length: 4 }, () => Promise.resolve(p.acquire(APP, now)));
  const [va, vb] = await Promise.all([Promise.all(asks(a)), Promise.all(asks(b))]);
  return { a: va.filter((v) => v.ok).length, b: vb.filter((v) => v.ok).length };
}

describe('a limited key no lease covers yet', () => {
  it('is leased before its first admission: two proxies never hold more than the limit together', async () => {
    const { a, b } = await burst(true);
    expect(a + b).toBeLessThanOrEqual(LIMITS.maxConcurrency as number);
    expect(a + b).toBeGreaterThan(0);
  });

  it('was admitted on the whole limit by each proxy without the first lease (what the gate prevents)', async () => {
    const { a, b } = await burst(false);
    expect(a + b).toBe(8);
  });
});
