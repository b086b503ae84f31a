/**
 * Holds at shared replicas go through a real libSQL file between two holders: what one holds
 * counts in the other's verdict after a sync, and stops counting once it releases them, stops
 * syncing, or the reader's libSQL goes quiet.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb, type TempDb } from '../../control/aggregator/test-fixtures.ts';
import { libsqlReplicaHoldStore, type ReplicaHoldStore } from './replica-hold-store.ts';
import { ReplicaHoldSync } from './replica-hold-sync.ts';
import { ReplicaShares, type ProjectLoad } from './replica-shares.ts';

const R = 'http://replica-shared:8000';
const SOLO = 'http://replica-solo:8000';
const INTERVAL = 1_000;
const registry = { sharedByProjects: (url: string) => url === R, hasSharedReplicas: () => true };

let db: TempDb;
let clock = 0;

function holder(id: string, store: ReplicaHoldStore = libsqlReplicaHoldStore(db.store.client)): { shares: ReplicaShares; sync: ReplicaHoldSync } {
  const shares = new ReplicaShares(4);
  return { shares, sync: new ReplicaHoldSync({ store, registry, shares, holderId: id, intervalMs: INTERVAL, now: () => clock }) };
}

const rows = async (): Promise<number> => Number((await db.store.client.execute('SELECT COUNT(*) AS n FROM replica_holds')).rows[0]?.['n']);

describe('replica holds shared through libSQL', () => {
  beforeEach(async () => {
    db = await tempDb('sy-replica-holds-');
    clock = 1_000_000;
  });
  afterEach(() => db.cleanup());

  it("counts another proxy's holds until it releases them", async () => {
    const a = holder('proxy-a');
    const b = holder('proxy-b');
    const held: ProjectLoad[] = [0, 1, 2].map(() => a.shares.take(R, 'hog', clock));
    a.shares.take(SOLO, 'hog', clock);
    await a.sync.once();
    await b.sync.once();
    // b holds nothing there, but hog holds the high-water mark (3 of 4) through a.
    expect(b.shares.verdict(R, 'hog', clock)).toBe('over-share');
    expect(b.shares.verdict(R, 'quiet', clock)).toBe('admit');
    // Only the shared replica is published.
    expect(await rows()).toBe(1);
    for (const h of held) a.shares.give(h);
    await a.sync.once();
    await b.sync.once();
    expect(await rows()).toBe(0);
    expect(b.shares.verdict(R, 'hog', clock)).toBe('admit');
  });

  it("stops counting a proxy that stopped syncing once its rows lapse", async () => {
    const a = holder('proxy-a');
    const b = holder('proxy-b');
    for (let i = 0; i < 3; i++) a.shares.take(R, 'hog', clock);
    await a.sync.once();
    await b.sync.once();
    expect(b.shares.verdict(R, 'hog', clock)).toBe('over-share');
    clock += 3 * INTERVAL + 1;
    await b.sync.once();
    expect(b.shares.verdict(R, 'hog', clock)).toBe('admit');
  });

  it("drops the peers' holds when its own libSQL goes quiet for as long as rows live", async () => {
    const a = holder('proxy-a');
    let down = false;
    const real = libsqlReplicaHoldStore(db.store.client);
    const flaky: ReplicaHoldStore = { syncReplicaHolds: (s) => (down ? Promise.reject(new Error('libSQL down')) : real.syncReplicaHolds(s)) };
    const b = holder('proxy-b', flaky);
    for (let i = 0; i < 3; i++) a.shares.take(R, 'hog', clock);
    await a.sync.once();
    await b.sync.once();
    down = true;
    clock += INTERVAL;
    await expect(b.sync.once()).rejects.toThrow('libSQL down');
    // Still within the rows' life: the last holds read stand.
    expect(b.shares.verdict(R, 'hog', clock)).toBe('over-share');
    const errors: unknown[] = [];
    b.sync.start((err) => errors.push(err));
    try {
      clock += 3 * INTERVAL;
      await new Promise((r) => setTimeout(r, INTERVAL + 200));
      expect(b.shares.verdict(R, 'hog', clock)).toBe('admit');
    } finally {
      b.sync.stop();
    }
  });

  it('writes nothing while it holds nothing, and reads the others all the same', async () => {
    const a = holder('proxy-a');
    const b = holder('proxy-b');
    await b.sync.once();
    expect(await rows()).toBe(0);
    for (let i = 0; i < 3; i++) a.shares.take(R, 'hog', clock);
    await a.sync.once();
    await b.sync.once();
    expect(await rows()).toBe(1);
    expect(b.shares.verdict(R, 'hog', clock)).toBe('over-share');
  });

  it('takes its rows out when it stops for good (a drain), so the others stop counting them at once', async () => {
    const a = holder('proxy-a');
    const b = holder('proxy-b');
    for (let i = 0; i < 3; i++) a.shares.take(R, 'hog', clock);
    await a.sync.once();
    expect(await rows()).toBe(1);
    await a.sync.withdraw(1_000);
    expect(await rows()).toBe(0);
    await b.sync.once();
    expect(b.shares.verdict(R, 'hog', clock)).toBe('admit');
  });

  it('drops the result of a sync abandoned as hung that ends after a newer one', async () => {
    const a = holder('proxy-a');
    for (let i = 0; i < 3; i++) a.shares.take(R, 'hog', clock);
    await a.sync.once();
    const real = libsqlReplicaHoldStore(db.store.client);
    let release: (() => void) | null = null;
    let calls = 0;
    const slowFirst: ReplicaHoldStore = {
      async syncReplicaHolds(s) {
        calls += 1;
        if (calls > 1) return real.syncReplicaHolds(s);
        // Reads now (a holds 3), answers only when released: after the newer sync.
        const stale = await real.syncReplicaHolds(s);
        await new Promise<void>((r) => (release = r));
        return stale;
      },
    };
    const shares = new ReplicaShares(4);
    const b = new ReplicaHoldSync({ store: slowFirst, registry, shares, holderId: 'proxy-b', intervalMs: 50, now: () => clock });
    // Given up after 3 intervals (RenewalLoop), as a hung libSQL call is.
    await expect(b.once()).rejects.toThrow('took over');
    await a.sync.withdraw(1_000);
    await b.once();
    expect(shares.verdict(R, 'hog', clock)).toBe('admit');
    (release as (() => void) | null)?.();
    await new Promise((r) => setTimeout(r, 20));
    // Before: the late call put a's old holds back.
    expect(shares.verdict(R, 'hog', clock)).toBe('admit');
  });
});
