/**
 * Pinned start-up slots price a tenant's inflow at a service time (pinned-start-slots.ts). Tenant
 * rows carried none, so every request was priced at the policy's 10 s: an app with few homes
 * sending many cheap requests (200 ms each) pinned fifty times the slots it ever held, and every
 * app with more homes lost that start-up room on the cluster. The proxies record each attempt's
 * duration; a tenant's inflow is now priced at the mean duration of its answered attempts there
 * (inflow × time held, as the simulator prices it; the policy's time only when none is known).
 * Attempts that held no slot (429s, fast 5xx, refused connects) are demand but not a
 * duration: they cannot make an app look cheap. Against REAL libSQL, through the store's own writes.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { insertArrivals, openTempStore, sampleState, seedChatAndEuResidentApp, type TempStore } from '../../control/store/test-fixtures.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';
import { INFLOW_WINDOW_MS } from './statements.ts';

const NOW = 1_700_000_000_000;
/** Requests per inflow window at 1 req/s. */
const PER_S = INFLOW_WINDOW_MS / 1000;
let store: TempStore;

beforeEach(async () => {
  store = await openTempStore();
  // chat goes anywhere (3 homes); eu is EU-resident (2 homes), 2 busy + 6 free slots on eu2.
  await seedChatAndEuResidentApp(store.client);
  const states = [
    sampleState('eu2', 'p/chat', { hotBusy: 1, hotFree: 4, queued: 0, observedAt: NOW }),
    sampleState('eu2', 'p/eu', { hotBusy: 2, hotFree: 6, queued: 0, observedAt: NOW }),
  ];
  const status = { clusterId: 'eu2', health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: NOW };
  await pushClusterState(store.client, 'eu2', { states, status, endpoints: [] }, NOW);
});
afterEach(() => store.dispose());

const pinnedForChat = async (): Promise<number | null | undefined> => (await loadAppSnapshot(store.client, 'p/chat', NOW))?.state.get('eu2')?.pinnedStartSlots;

test.each([
  // eu's 3 req/s on eu2 as [req/s, status, duration ms] batches; slots chat must leave (demand − 8 loaded).
  { what: '200 ms each: 0.6 slots, its loaded ones cover them', batches: [[3, 200, 200]], pinned: 0 },
  { what: '4 s each: 12 slots', batches: [[3, 200, 4_000]], pinned: 4 },
  { what: '10 s each (the policy\'s service time): 30 slots', batches: [[3, 200, 10_000]], pinned: 22 },
  // Long requests pin the slots they really hold (Little's law), as the simulator prices them.
  { what: '60 s streams: 180 slots', batches: [[3, 200, 60_000]], pinned: 172 },
  { what: '4 s each, a third of them 500s after 4 s: 12 slots', batches: [[2, 200, 4_000], [1, 500, 4_000]], pinned: 4 },
  { what: '4 s answers and as many instant 429s: 6 req/s at 4 s, 24 slots', batches: [[3, 200, 4_000], [3, 429, 5]], pinned: 16 },
  // Fast failures are demand that held no slot: they must not price the tenant as cheap when its
  // replicas are loading (503) or refusing connections (status 0). Before: 0, 0 and 2 pinned.
  { what: 'instant 503s of a loading replica: the policy\'s 10 s, 30 slots', batches: [[3, 503, 5]], pinned: 22 },
  { what: 'refused connects (status 0): the policy\'s 10 s, 30 slots', batches: [[3, 0, 2]], pinned: 22 },
  { what: '10 s answers and 3/s refused connects: 4 req/s at 10 s, 40 slots', batches: [[1, 200, 10_000], [3, 0, 2]], pinned: 32 },
] as const)('eu\'s requests $what: chat leaves $pinned start-up slots on eu2', async ({ batches, pinned }) => {
  for (const [i, [perS, status, durationMs]] of batches.entries())
    await insertArrivals(store.client, { appId: 'p/eu', clusterId: 'eu2', count: perS * PER_S, at: NOW - 1000, status, durationMs, idPrefix: `b${i}-` });
  expect(await pinnedForChat()).toBeCloseTo(pinned, 9);
});
