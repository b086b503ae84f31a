/**
 * An app's snapshot reads OTHER apps' config rows (the tenants statement: their residency and GPU
 * types decide how many homes they have, so which start-up slots they pin). Those rows were parsed
 * strictly: one tenant whose row the reader cannot parse (a hand edit, or a newer control plane's
 * residency kind during a rolling deploy) made the snapshot of every app on its clusters throw, so
 * each isolate kept serving those apps' last snapshot, stale for good, and a fresh isolate could
 * not route them at all. Now that tenant is left out of the estimate; the others still count, and
 * the broken app itself still fails loudly. Against REAL libSQL, through the store's own writes.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { insertArrivals, openTempStore, sampleApp, sampleState, seedChatAndEuResidentApp, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { SnapshotError } from './errors.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';
import { INFLOW_WINDOW_MS } from './statements.ts';

const NOW = 1_700_000_000_000;
let store: TempStore;

beforeEach(async () => {
  store = await openTempStore();
  // chat goes anywhere (3 homes); eu and eu-b are EU-resident (2 homes), each 3 req/s of 10 s on eu2.
  await seedChatAndEuResidentApp(store.client);
  await upsertApp(store.client, sampleApp('p', 'eu-b', { clusters: ['eu1', 'eu2', 'us1'], residency: { kind: 'continents', continents: ['EU'] } }), 1);
  const states = ['p/chat', 'p/eu', 'p/eu-b'].map((app) => sampleState('eu2', app, { hotBusy: 2, hotFree: 2, queued: 0, observedAt: NOW }));
  const status = { clusterId: 'eu2', health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: NOW };
  await pushClusterState(store.client, 'eu2', { states, status, endpoints: [] }, NOW);
  for (const appId of ['p/eu', 'p/eu-b'])
    await insertArrivals(store.client, { appId, clusterId: 'eu2', count: 3 * (INFLOW_WINDOW_MS / 1000), at: NOW - 1000, durationMs: 10_000, idPrefix: `${appId}-` });
});
afterEach(() => store.dispose());

const pinnedForChat = async (): Promise<number | null | undefined> => (await loadAppSnapshot(store.client, 'p/chat', NOW))?.state.get('eu2')?.pinnedStartSlots;

test.each([
  { what: 'a residency kind this reader does not know', column: 'residency_json', value: '{"kind":"planets","planets":["MARS"]}' },
  { what: 'a residency that is not JSON', column: 'residency_json', value: 'not json' },
  { what: 'GPU types that are not a list', column: 'gpu_types_json', value: '"h100"' },
] as const)('eu stores $what: chat still loads, counting eu-b and not eu; eu itself fails loudly', async ({ column, value }) => {
  const both = await pinnedForChat();
  expect(both).toBeGreaterThan(0);
  await store.client.execute({ sql: `UPDATE apps SET ${column} = ? WHERE id = 'p/eu'`, args: [value] });

  const onlyB = await pinnedForChat(); // threw a SnapshotError before
  expect(onlyB).toBeGreaterThan(0); // eu-b's demand still protects its start-up slots
  expect(onlyB).toBeLessThan(both as number); // eu's is left out
  await expect(loadAppSnapshot(store.client, 'p/eu', NOW)).rejects.toBeInstanceOf(SnapshotError);
});
