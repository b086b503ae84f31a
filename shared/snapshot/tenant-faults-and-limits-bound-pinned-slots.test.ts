/**
 * Pinned start-up slots are what apps with fewer homes NEED on a cluster (pinned-start-slots.ts).
 * Another tenant must not be able to inflate them beyond that — each pinned slot is start-up
 * headroom every app with more homes loses there ("no tenant may ever be able to affect
 * another"). Against REAL libSQL, through the store's own writes:
 * - requests the replica refused as the client's fault (4xx other than 429) held no slot for a
 *   service time: a flood of malformed prompts is not demand;
 * - a tenant's demand on a cluster cannot exceed the in-flight limit its proxies enforce over a
 *   region or globally (a cluster is behind the proxies of its region): its own limits bound it.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { AppLimits } from '../domain/types.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { insertArrivals, openTempStore, sampleState, seedChatAndEuResidentApp, type TempStore } from '../../control/store/test-fixtures.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';
import { INFLOW_WINDOW_MS } from './statements.ts';

const NOW = 1_700_000_000_000;
const UNLIMITED: AppLimits = { maxConcurrency: null, maxRps: null, scope: 'region' };
const EU2_UP = { clusterId: 'eu2', health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: NOW };
let store: TempStore;

beforeEach(async () => {
  store = await openTempStore();
});
afterEach(() => store.dispose());

/**
 * chat goes anywhere (3 homes); eu is EU-resident (2 homes) with 2 busy + 6 free slots on eu2
 * and receives 3 req/s there answered `status`: at the default 10 s service time, 30 slots.
 */
async function seed(status: number, euLimits: AppLimits): Promise<void> {
  await seedChatAndEuResidentApp(store.client, { limits: euLimits });
  const states = [
    sampleState('eu2', 'p/chat', { hotBusy: 1, hotFree: 4, queued: 0, observedAt: NOW }),
    sampleState('eu2', 'p/eu', { hotBusy: 2, hotFree: 6, queued: 0, observedAt: NOW }),
  ];
  await pushClusterState(store.client, 'eu2', { states, status: EU2_UP, endpoints: [] }, NOW);
  await insertArrivals(store.client, { appId: 'p/eu', clusterId: 'eu2', count: (3 * INFLOW_WINDOW_MS) / 1000, at: NOW - 1000, status });
}

const pinnedForChat = async (): Promise<number | null | undefined> => (await loadAppSnapshot(store.client, 'p/chat', NOW))?.state.get('eu2')?.pinnedStartSlots;

test.each([
  // [what eu's requests got, eu's limits, slots chat must leave on eu2]
  { what: 'answered 200', status: 200, limits: UNLIMITED, pinned: 22 },
  { what: 'a replica fault (500)', status: 500, limits: UNLIMITED, pinned: 22 },
  { what: 'refused for capacity (429)', status: 429, limits: UNLIMITED, pinned: 22 },
  { what: 'rejected as malformed (400)', status: 400, limits: UNLIMITED, pinned: 0 },
  { what: 'not found (404)', status: 404, limits: UNLIMITED, pinned: 0 },
  { what: 'unprocessable (422)', status: 422, limits: UNLIMITED, pinned: 0 },
  { what: 'answered 200, at most 12 in flight in its region', status: 200, limits: { ...UNLIMITED, maxConcurrency: 12 }, pinned: 4 },
  { what: 'answered 200, at most 12 in flight anywhere', status: 200, limits: { ...UNLIMITED, maxConcurrency: 12, scope: 'global' }, pinned: 4 },
  { what: 'answered 200, at most 5 in flight: its loaded slots cover it', status: 200, limits: { ...UNLIMITED, maxConcurrency: 5 }, pinned: 0 },
  // Per proxy: several proxies of the region may each admit 12, so no bound is known.
  { what: 'answered 200, at most 12 in flight per proxy', status: 200, limits: { ...UNLIMITED, maxConcurrency: 12, scope: 'proxy' }, pinned: 22 },
] as const)('eu\'s requests $what: chat leaves $pinned start-up slots on eu2', async ({ status, limits, pinned }) => {
  await seed(status, limits);
  expect(await pinnedForChat()).toBeCloseTo(pinned, 9);
});

test('a queue the tenant\'s own limit could never have admitted is not pinned beyond the limit', async () => {
  await seed(200, { ...UNLIMITED, maxConcurrency: 10 });
  // The aggregator reports 40 queued: more than eu's proxies admit; 10 − 8 loaded = 2 at most.
  const states = [sampleState('eu2', 'p/chat', { hotBusy: 1, hotFree: 4, queued: 0, observedAt: NOW }), sampleState('eu2', 'p/eu', { hotBusy: 2, hotFree: 6, queued: 40, observedAt: NOW })];
  await pushClusterState(store.client, 'eu2', { states, status: EU2_UP, endpoints: [] }, NOW + 1);
  expect(await pinnedForChat()).toBeCloseTo(2, 9);
});
