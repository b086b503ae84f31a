/**
 * Inflow by origin, against REAL libSQL: the deciding colo of each decision (taken by the
 * database from the record's input_json, migration 19) and the outcomes the proxies wrote
 * (through the store's own insert) become each cluster's requests/s by origin in the app's
 * snapshot, over the last INFLOW_WINDOW_MS; other apps, old rows and records without a colo
 * are left out, and a cluster nobody sent to carries an empty map.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { insertOutcomes } from '../../control/store/insert-outcomes.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { insertRoutedDecision, openTempStore, sampleApp, sampleCluster, sampleState, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';
import { INFLOW_WINDOW_MS } from './statements.ts';

const NOW = 1_700_000_000_000;
let store: TempStore;

/** A decision as the edge records it: input_json starts with the request facts. */
function decision(id: string, appId: string, colo: string | null): Promise<void> {
  return insertRoutedDecision(store.client, { id, at: NOW - 1000, appId, clusterId: 'c1', colo });
}

function outcome(decisionId: string, clusterId: string, status: number, at = NOW - 1000, attempt = 0) {
  return { decisionId, attempt, proxyId: 'px', clusterId, endpoint: null, status, ttfbMs: 50, durationMs: 10, bytesIn: 0, bytesOut: 0, error: null, at };
}

beforeAll(async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  for (const id of ['c1', 'c2', 'c3']) await upsertCluster(store.client, sampleCluster(id), 1);
  await upsertApp(store.client, sampleApp('p', 'a', { clusters: ['c1', 'c2', 'c3'] }), 1);
  await upsertApp(store.client, sampleApp('p', 'other', { clusters: ['c1'] }), 1);
  for (const id of ['c1', 'c2', 'c3']) {
    const status = { clusterId: id, health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: NOW };
    await pushClusterState(store.client, id, { states: [sampleState(id, 'p/a', { observedAt: NOW })], status, endpoints: [] }, NOW);
  }
  const rows = [];
  for (let i = 0; i < 30; i++) {
    await decision(`fra${i}`, 'p/a', 'FRA');
    // 20 at c1 (one a 429: it arrived all the same), 10 at c2.
    rows.push(outcome(`fra${i}`, i < 20 ? 'c1' : 'c2', i === 0 ? 429 : 200));
  }
  for (let i = 0; i < 5; i++) {
    await decision(`ams${i}`, 'p/a', 'AMS');
    rows.push(outcome(`ams${i}`, 'c1', 200));
    rows.push(outcome(`ams${i}`, 'c2', 200, NOW - 900, 1)); // each retried on c2: an arrival there too
  }
  await decision('x', 'p/other', 'FRA');
  rows.push(outcome('x', 'c1', 200)); // another app
  await decision('old', 'p/a', 'FRA');
  rows.push(outcome('old', 'c1', 200, NOW - INFLOW_WINDOW_MS - 1)); // outside the window
  await decision('nocolo', 'p/a', null);
  rows.push(outcome('nocolo', 'c1', 200)); // no origin known
  await insertOutcomes(store.client, rows);
});

afterAll(() => store.dispose());

test('each cluster carries its requests/s by deciding colo over the inflow window', async () => {
  const snap = await loadAppSnapshot(store.client, 'p/a', NOW);
  const per = INFLOW_WINDOW_MS / 1000;
  expect(snap?.state.get('c1')?.inflowByOrigin).toEqual({ AMS: 5 / per, FRA: 20 / per });
  expect(snap?.state.get('c2')?.inflowByOrigin).toEqual({ AMS: 5 / per, FRA: 10 / per });
});

test('a cluster nobody sent to in the window carries an empty map, not none', async () => {
  const snap = await loadAppSnapshot(store.client, 'p/a', NOW);
  expect(snap?.state.get('c3')?.inflowByOrigin).toEqual({});
});
