/**
 * The in-region path (no edge, no token) caches its libSQL reads. Unknown API keys, service
 * keys and app ids were cached in the same bounded map as real ones, oldest first out: anyone
 * who can reach the proxy could send 10,000 random well-formed keys (or app ids) and evict
 * every real entry, so each real request needed a database read again — and with the database
 * down, every tenant's in-region traffic failed (503 store-unavailable). Issue 11 item 3 fixed
 * this at the edge; the in-region path now keeps misses apart, bounded, and never lets them
 * evict a real entry; and, as the edge does, it reads at most a bounded number of uncached
 * apps or keys at once (503 `in-region-busy` beyond) — one bound for its three caches together,
 * a share of the store client's slots. Real libSQL (a migrated temp file), the
 * real in-region source.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceKey } from '../../control/cli/commands/service-keys.ts';
import { hashApiKey } from '../../control/config/api-key-hash.ts';
import type { TempStore } from '../../control/store/test-fixtures.ts';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import type { SnapshotReader } from '../../shared/snapshot/index.ts';
import { libsqlInRegionSource, type InRegionSource } from '../src/in-region-source.ts';
import { CacheBusy, FIRST_LOAD_WAIT_MS } from '../src/refreshing-cache.ts';
import { API_KEY, seedInRegionDb } from './in-region-fixture.ts';

// Caches of 200 real entries (production: 10,000) and a flood past them: the same mechanism, in seconds.
const MAX = 200;
const FLOOD = 250;

describe('in-region misses never evict real keys or apps', () => {
  let store: TempStore;
  let source: InRegionSource;
  let serviceKeyHash: string;
  let down = false;
  beforeAll(async () => {
    store = await seedInRegionDb('http://127.0.0.1:1');
    serviceKeyHash = hashApiKey((await createServiceKey(store.client, 'acme/chat', undefined, Date.now())).key);
    // The real client, behind a switch that makes it fail as a database that went down does.
    const db: SnapshotReader = {
      batch: (statements, mode) => (down ? Promise.reject(new Error('database down')) : store.client.batch(statements, mode)),
    };
    // Its flood comes 150 lookups at a time: this test is about eviction, not the first-load bound.
    source = libsqlInRegionSource(db, { refreshMs: 60_000, maxProxyReportAgeMs: 60_000, policy: DEFAULT_POLICY, now: () => Date.now(), onError: () => undefined, maxEntries: MAX, maxFirstLoads: 150 });
  });
  afterAll(() => store.dispose());

  it('serves the real entries from cache after a flood of misses, with the database down', async () => {
    expect((await source.apiKey(hashApiKey(API_KEY), 'acme'))?.projectId).toBe('acme');
    expect((await source.serviceKey(serviceKeyHash, 'acme'))?.appId).toBe('acme/chat');
    expect((await source.snapshot('acme/chat'))?.app.id).toBe('acme/chat');
    for (let i = 0; i < FLOOD; i += 50) {
      const batch = Array.from({ length: 50 }, (_, j) => i + j);
      const misses = await Promise.all(
        batch.flatMap((n) => {
          const hash = hashApiKey(`sk-${randomBytes(16).toString('hex')}`);
          return [source.apiKey(hash, 'acme'), source.serviceKey(hash, 'acme'), source.snapshot(`acme/nope-${n}`)];
        }),
      );
      expect(misses.every((m) => m === null)).toBe(true);
    }
    down = true;
    expect((await source.apiKey(hashApiKey(API_KEY), 'acme'))?.projectId).toBe('acme');
    expect((await source.serviceKey(serviceKeyHash, 'acme'))?.appId).toBe('acme/chat');
    expect((await source.snapshot('acme/chat'))?.app.id).toBe('acme/chat');
  }, 60_000);

  it('reads at most maxFirstLoads uncached apps and keys at once, all its caches together; the rest wait their turn', async () => {
    let reading = 0;
    let most = 0;
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    const slow: SnapshotReader = {
      batch: async (statements, mode) => {
        reading += 1;
        most = Math.max(most, reading);
        await held;
        reading -= 1;
        return store.client.batch(statements, mode);
      },
    };
    const busy = libsqlInRegionSource(slow, { refreshMs: 60_000, maxProxyReportAgeMs: 60_000, policy: DEFAULT_POLICY, now: () => Date.now(), onError: () => undefined, maxFirstLoads: 8 });
    // Made-up API keys, service keys and app ids: each cache used to read 8 at once of its own
    // (24 here; 3 × 64 by default, queued on the store client's 20 slots).
    const lookups = Array.from({ length: 40 }, (_, i) => {
      const hash = hashApiKey(`sk-${randomBytes(16).toString('hex')}`);
      return i % 3 === 0 ? busy.apiKey(hash, 'acme') : i % 3 === 1 ? busy.serviceKey(hash, 'acme') : busy.snapshot(`acme/nope-${i}`);
    });
    const flood = lookups.map((l) => Promise.resolve(l).then(() => 'read', (e: unknown) => (e instanceof CacheBusy ? 'busy' : 'error')));
    await new Promise((r) => setTimeout(r, 50));
    // Two groups (the keys' project, the unknown apps), each within its max-min share of the 8.
    expect(reading).toBe(6);
    release();
    const results = await Promise.all(flood);
    expect(most).toBeLessThanOrEqual(8);
    // A restart brings many real first loads at once: they queue for a slot, none is refused.
    expect(results.filter((r) => r === 'read')).toHaveLength(40);
  });

  it("one tenant's first loads hold at most half while alone; another tenant's still starts at once; past the wait the rest are refused", async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    let reading = 0;
    const slow: SnapshotReader = {
      batch: async (statements, mode) => {
        reading += 1;
        await held;
        reading -= 1;
        return store.client.batch(statements, mode);
      },
    };
    const busy = libsqlInRegionSource(slow, { refreshMs: 60_000, maxProxyReportAgeMs: 60_000, policy: DEFAULT_POLICY, now: () => Date.now(), onError: () => undefined, maxFirstLoads: 8 });
    const made = (project: string): Promise<string> =>
      Promise.resolve(busy.apiKey(hashApiKey(`sk-${randomBytes(16).toString('hex')}`), project)).then(() => 'read', (e: unknown) => (e instanceof CacheBusy ? 'busy' : 'error'));
    // 100 made-up keys on one tenant's app: 4 read, 64 wait, 32 refused at once.
    const settled: string[] = [];
    const flood = Array.from({ length: 100 }, () => made('acme').then((r) => (settled.push(r), r)));
    await new Promise((r) => setTimeout(r, 50));
    expect(reading).toBe(4);
    expect(settled.filter((r) => r === 'busy')).toHaveLength(32);
    const other = made('other');
    await new Promise((r) => setTimeout(r, 50));
    expect(reading).toBe(5);
    // The 64 waiters are refused once FIRST_LOAD_WAIT_MS has passed with no slot.
    await new Promise((r) => setTimeout(r, FIRST_LOAD_WAIT_MS + 100));
    expect(settled.filter((r) => r === 'busy')).toHaveLength(96);
    release();
    expect(await other).toBe('read');
    expect((await Promise.all(flood)).filter((r) => r === 'read')).toHaveLength(4);
    expect(settled).toHaveLength(100);
  });

  it('a first load that ends gives its slot back, failed or not', async () => {
    let fail = true;
    const flaky: SnapshotReader = {
      batch: (statements, mode) => (fail ? Promise.reject(new Error('database down')) : store.client.batch(statements, mode)),
    };
    const one = libsqlInRegionSource(flaky, { refreshMs: 60_000, maxProxyReportAgeMs: 60_000, policy: DEFAULT_POLICY, now: () => Date.now(), onError: () => undefined, maxFirstLoads: 1 });
    for (let i = 0; i < 3; i++) await expect(Promise.resolve(one.apiKey(hashApiKey(`sk-${randomBytes(16).toString('hex')}`), 'acme'))).rejects.toThrow('database down');
    fail = false;
    expect(await one.serviceKey(hashApiKey(`sk-${randomBytes(16).toString('hex')}`), 'acme')).toBeNull();
  });
});
