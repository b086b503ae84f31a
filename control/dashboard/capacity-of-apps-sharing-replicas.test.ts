/**
 * The fleet's capacity counts replicas, not apps: apps whose aggregator rows list the same
 * replicas (as `switchyard dev` configures every app) count them once. Written through the
 * aggregator's own push, read through read-fleet and the view. Real libSQL file database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushClusterState } from '../store/push-cluster-state.ts';
import { openTempStore, sampleCluster, sampleState, type TempStore } from '../store/test-fixtures.ts';
import { upsertCluster } from '../store/upsert-cluster.ts';
import { fleetView } from './fleet-view.ts';
import { readFleet } from './read-fleet.ts';

interface AppRow {
  readonly id: string;
  readonly replicas: readonly string[];
  readonly hotFree: number;
  readonly hotBusy: number;
}

const CASES: ReadonlyArray<{ name: string; cluster: string; apps: readonly AppRow[]; want: { hot: string; warm: number; cold: number } }> = [
  {
    name: 'three apps on the same 2 replicas × 4 slots: 8 free, not 24',
    cluster: 'shared',
    apps: ['a', 'b', 'c'].map((id) => ({ id: `acme/${id}`, replicas: ['http://r0', 'http://r1'], hotFree: 8, hotBusy: 0 })),
    want: { hot: '8 free / 0 busy', warm: 2, cold: 10 },
  },
  {
    name: 'two apps on separate replicas add up',
    cluster: 'separate',
    apps: [
      { id: 'acme/a', replicas: ['http://r0'], hotFree: 3, hotBusy: 1 },
      { id: 'acme/b', replicas: ['http://r1'], hotFree: 2, hotBusy: 2 },
    ],
    want: { hot: '5 free / 3 busy', warm: 4, cold: 20 },
  },
  {
    name: 'overlapping replica sets: a lower bound, marked',
    cluster: 'overlap',
    apps: [
      { id: 'acme/a', replicas: ['http://r0', 'http://r1'], hotFree: 6, hotBusy: 2 },
      { id: 'acme/b', replicas: ['http://r1', 'http://r2'], hotFree: 7, hotBusy: 1 },
    ],
    want: { hot: '7+ free / 2+ busy', warm: 2, cold: 10 },
  },
];

let store: TempStore;
beforeAll(async () => {
  store = await openTempStore();
  for (const c of CASES) {
    await upsertCluster(store.client, sampleCluster(c.cluster), 1);
    await pushClusterState(
      store.client,
      c.cluster,
      {
        states: c.apps.map((a) => sampleState(c.cluster, a.id, { hotFree: a.hotFree, hotBusy: a.hotBusy })),
        status: { clusterId: c.cluster, health: 'healthy', circuitOpen: false, draining: false, observedAt: 1_000 },
        endpoints: c.apps.flatMap((a) => a.replicas.map((url) => ({ appId: a.id, url, healthy: true, weight: 1 }))),
      },
      1_000,
    );
  }
});
afterAll(() => store.dispose());

describe('fleet capacity of apps sharing replicas', () => {
  it.each(CASES)('$name', async ({ cluster, want }) => {
    const clusters = fleetView(await readFleet(store.client), 1_000).flatMap((r) => r.clusters);
    expect(clusters.find((c) => c.id === cluster)).toMatchObject(want);
  });
});
