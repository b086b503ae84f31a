/**
 * The in-region path's snapshot, against REAL libSQL: the start-up slots other apps with fewer
 * homes need (`pinnedStartSlots`) turn their inflow of unknown duration into busy slots with the
 * service time of the policy the proxy decides with, not a default of its own. Loaded with the default policy
 * whatever the operator set, an app whose requests are short had its need overstated (and a
 * long one understated) by the ratio of the two.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { insertArrivals, openTempStore, sampleState, seedChatAndEuResidentApp, type TempStore } from '../../control/store/test-fixtures.ts';
import { DEFAULT_POLICY, parsePolicy } from '../../shared/decision/policy.ts';
import type { Policy } from '../../shared/decision/types.ts';
import { INFLOW_WINDOW_MS } from '../../shared/snapshot/statements.ts';
import { libsqlInRegionSource } from '../src/in-region-source.ts';

const NOW = 1_700_000_000_000;
let store: TempStore;

beforeAll(async () => {
  store = await openTempStore();
  // chat may go anywhere (3 homes); eu is EU-resident (2 homes): chat leaves room for eu's need.
  await seedChatAndEuResidentApp(store.client, { clusters: ['eu1', 'eu2'] });
  // On eu1, eu has 2 busy + 6 free slots; it receives 3 req/s (below).
  const states = [
    sampleState('eu1', 'p/chat', { hotBusy: 8, hotFree: 0, observedAt: NOW }),
    sampleState('eu1', 'p/eu', { hotBusy: 2, hotFree: 6, warm: 8, cold: 24, observedAt: NOW }),
  ];
  const status = { clusterId: 'eu1', health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: NOW };
  await pushClusterState(store.client, 'eu1', { states, status, endpoints: [] }, NOW);
  // Refused as full (429): demand with no duration of its own, so the policy's service time
  // prices it (an answered request is priced at its observed duration instead).
  await insertArrivals(store.client, { appId: 'p/eu', clusterId: 'eu1', count: (3 * INFLOW_WINDOW_MS) / 1000, at: NOW - 1000, status: 429 });
});

afterAll(() => store.dispose());

async function pinnedOnEu1(policy: Policy): Promise<number | null | undefined> {
  const source = libsqlInRegionSource(store.client, {
    refreshMs: 60_000,
    maxProxyReportAgeMs: 60_000,
    policy,
    now: () => NOW,
    onError: (err) => {
      throw err;
    },
  });
  const snap = await source.snapshot('p/chat');
  return snap?.state.get('eu1')?.pinnedStartSlots;
}

test.each([
  // 3 req/s × 10 s = 30 busy slots, 22 beyond eu's 8 loaded ones.
  { name: 'the default policy: 10 s per request', env: {}, pinned: 22 },
  // ROUTE_SERVICE_TIME=4s: 3 × 4 = 12 slots, 4 beyond its 8.
  { name: 'ROUTE_SERVICE_TIME=4s: 4 s per request', env: { ROUTE_SERVICE_TIME: '4s' }, pinned: 4 },
  // ROUTE_SERVICE_TIME=20s: 60 slots, 52 beyond its 8.
  { name: 'ROUTE_SERVICE_TIME=20s: 20 s per request', env: { ROUTE_SERVICE_TIME: '20s' }, pinned: 52 },
])('$name', async ({ env, pinned }) => {
  const policy = parsePolicy(env);
  if (!policy.ok) throw new Error('policy refused');
  expect(policy.value.ttft.serviceMs === DEFAULT_POLICY.ttft.serviceMs).toBe(Object.keys(env).length === 0);
  expect(await pinnedOnEu1(policy.value)).toBeCloseTo(pinned, 9);
});
