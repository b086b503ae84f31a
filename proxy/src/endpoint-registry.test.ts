import { describe, expect, it } from 'vitest';
import { EndpointRegistry, type RegistrySource } from './endpoint-registry.ts';
import type { EndpointRow } from './store.ts';

const row = (clusterId: string, appId: string, url: string): EndpointRow => ({ clusterId, appId, url, healthy: true, weight: 1, slots: null });

/** A source whose rows the test swaps between refreshes. */
function source(rows: EndpointRow[][]): RegistrySource {
  let i = 0;
  return { load: () => Promise.resolve({ endpoints: rows[Math.min(i++, rows.length - 1)] ?? [], apps: [] }) };
}

// clustersServing is kept per refresh (the auth-disabled gate asks on every request): it must
// still follow every refresh, and a failed refresh keeps the last good answer with the pools.
describe('clusters serving an app', () => {
  it.each([
    ['a cluster gains the app', [[row('c1', 'a/x', 'http://r1')], [row('c1', 'a/x', 'http://r1'), row('c2', 'a/x', 'http://r2')]], ['c1'], ['c1', 'c2']],
    ['a cluster loses the app', [[row('c1', 'a/x', 'http://r1'), row('c2', 'a/x', 'http://r2')], [row('c2', 'a/x', 'http://r2')]], ['c1', 'c2'], ['c2']],
    ['another app only', [[row('c1', 'a/y', 'http://r1')], [row('c1', 'a/y', 'http://r1')]], [], []],
  ])('follows a refresh when %s', async (_what, rows, before, after) => {
    const reg = new EndpointRegistry(source(rows), 'round-robin');
    await reg.refresh(1);
    expect(reg.clustersServing('a/x')).toEqual(before);
    await reg.refresh(2);
    expect(reg.clustersServing('a/x')).toEqual(after);
  });

  it('keeps its answer when a refresh fails', async () => {
    let fail = false;
    const reg = new EndpointRegistry(
      { load: () => (fail ? Promise.reject(new Error('store down')) : Promise.resolve({ endpoints: [row('c1', 'a/x', 'http://r1')], apps: [] })) },
      'round-robin',
    );
    await reg.refresh(1);
    fail = true;
    await reg.refresh(2);
    expect(reg.lastError).toBe('store down');
    expect(reg.clustersServing('a/x')).toEqual(['c1']);
  });
});

// Replica shares apply only where another project's work could be crowded out (replica-shares.ts).
describe('replicas shared by projects', () => {
  it.each<[string, EndpointRow[], boolean]>([
    ['one app', [row('c1', 'a/x', 'http://r1')], false],
    ['two apps of one project', [row('c1', 'a/x', 'http://r1'), row('c1', 'a/y', 'http://r1')], false],
    ['one app in two clusters', [row('c1', 'a/x', 'http://r1'), row('c2', 'a/x', 'http://r1')], false],
    ['apps of two projects', [row('c1', 'a/x', 'http://r1'), row('c1', 'b/x', 'http://r1')], true],
    ['apps of two projects in different clusters', [row('c1', 'a/x', 'http://r1'), row('c2', 'b/x', 'http://r1')], true],
    ['apps of two projects on different URLs', [row('c1', 'a/x', 'http://r1'), row('c1', 'b/x', 'http://r2')], false],
  ])('%s', async (_what, rows, shared) => {
    const reg = new EndpointRegistry(source([rows]), 'round-robin');
    await reg.refresh(1);
    expect(reg.sharedByProjects('http://r1')).toBe(shared);
  });
});

// The capacity replica shares use from a replica's first request (the aggregator's slotsPerReplica).
describe("a replica's reported slots", () => {
  const slotted = (clusterId: string, appId: string, url: string, slots: number | null): EndpointRow => ({ ...row(clusterId, appId, url), slots });
  it.each<[string, EndpointRow[], number | null]>([
    ['not reported', [row('c1', 'a/x', 'http://r1')], null],
    ['reported', [slotted('c1', 'a/x', 'http://r1', 4)], 4],
    ['reported by one row of two', [row('c1', 'a/x', 'http://r1'), slotted('c1', 'b/x', 'http://r1', 4)], 4],
    ['two rows disagree: the lower (one engine)', [slotted('c1', 'a/x', 'http://r1', 8), slotted('c2', 'b/x', 'http://r1', 4)], 4],
    ['another URL only', [slotted('c1', 'a/x', 'http://r2', 4)], null],
  ])('%s', async (_what, rows, slots) => {
    const reg = new EndpointRegistry(source([rows]), 'round-robin');
    await reg.refresh(1);
    expect(reg.reportedSlots('http://r1')).toBe(slots);
  });

  it('follows a refresh', async () => {
    const reg = new EndpointRegistry(source([[slotted('c1', 'a/x', 'http://r1', 4)], [row('c1', 'a/x', 'http://r1')]]), 'round-robin');
    await reg.refresh(1);
    expect(reg.reportedSlots('http://r1')).toBe(4);
    await reg.refresh(2);
    expect(reg.reportedSlots('http://r1')).toBeNull();
  });
});
