/**
 * Pinned start-up slots, against REAL libSQL: an app's snapshot carries, per cluster, the
 * start-up slots that other apps with fewer homes need there (`pinned-start-slots.ts`), from
 * their config (residency), their state rows and their inflow, through the store's own writes.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { insertArrivals, openTempStore, sampleApp, sampleState, seedChatAndEuResidentApp, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';
import { INFLOW_WINDOW_MS } from './statements.ts';

const NOW = 1_700_000_000_000;
let store: TempStore;

beforeAll(async () => {
  store = await openTempStore();
  // chat may go anywhere (3 homes); eu is EU-resident (2 homes); peer goes anywhere too (an equal).
  await seedChatAndEuResidentApp(store.client);
  await upsertApp(store.client, sampleApp('p', 'peer', { clusters: ['eu1', 'eu2', 'us1'] }), 1);
  const loads: Record<string, Record<string, { hotBusy: number; hotFree: number; queued: number }>> = {
    // eu queues 20 beyond its 8 busy slots on eu1: 20 slots must start; peer's queue is not counted.
    eu1: { 'p/chat': { hotBusy: 8, hotFree: 0, queued: 0 }, 'p/eu': { hotBusy: 8, hotFree: 0, queued: 20 }, 'p/peer': { hotBusy: 8, hotFree: 0, queued: 50 } },
    // eu has 2 busy + 6 free on eu2 but receives 3 req/s (below): 3 × 10 s = 30 slots, 22 beyond its 8.
    eu2: { 'p/chat': { hotBusy: 1, hotFree: 4, queued: 0 }, 'p/eu': { hotBusy: 2, hotFree: 6, queued: 0 } },
    us1: { 'p/chat': { hotBusy: 1, hotFree: 4, queued: 0 }, 'p/eu': { hotBusy: 8, hotFree: 0, queued: 40 } },
  };
  for (const [cluster, apps] of Object.entries(loads)) {
    const status = { clusterId: cluster, health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: NOW };
    const states = Object.entries(apps).map(([app, load]) => sampleState(cluster, app, { ...load, observedAt: NOW }));
    await pushClusterState(store.client, cluster, { states, status, endpoints: [] }, NOW);
  }
  await insertArrivals(store.client, { appId: 'p/eu', clusterId: 'eu2', count: (3 * INFLOW_WINDOW_MS) / 1000, at: NOW - 1000 });
});

afterAll(() => store.dispose());

test('the app with more homes sees what the EU-only app needs on each cluster', async () => {
  const snap = await loadAppSnapshot(store.client, 'p/chat', NOW);
  expect(snap?.state.get('eu1')?.pinnedStartSlots).toBe(20);
  expect(snap?.state.get('eu2')?.pinnedStartSlots).toBeCloseTo(22, 9);
  // Residency keeps eu off us1: its queue there is not a need chat must leave room for.
  expect(snap?.state.get('us1')?.pinnedStartSlots).toBe(0);
});

test('the EU-only app has fewer homes than the others: nothing is pinned for it', async () => {
  const snap = await loadAppSnapshot(store.client, 'p/eu', NOW);
  expect([...(snap?.state.values() ?? [])].map((s) => s.pinnedStartSlots)).toEqual([0, 0, 0]);
});
