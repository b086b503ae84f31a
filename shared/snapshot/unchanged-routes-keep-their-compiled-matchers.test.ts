/**
 * Against REAL libSQL: a snapshot refresh whose app row carries the same `routes_json` hands back
 * the same routes object, so what the edge compiles per object (route matchers, the trained intent
 * classifier: workers/src/route-hook.ts) survives the refresh. Every refresh (once a second per
 * isolate) parsed the row into a new object and the first request after it retrained the
 * classifier (audit, session 32). A changed row is read anew.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, sampleApp, sampleCluster, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';

const NOW = 1_700_000_000_000;
let store: TempStore;
const intents = {
  code: ['write a function', 'fix this bug', 'refactor the class', 'unit tests please', 'regex for email'],
  chat: ['hello there', 'tell a joke', 'how are you', 'good morning', 'what to cook'],
};
const routes = (minScore: number): string =>
  JSON.stringify({ routes: [{ name: 'code', when: { intent: 'code', minScore }, target: { model: 'coder' }, clusters: ['c1'], limits: null, strategy: null }], intents });

beforeAll(async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  await upsertCluster(store.client, sampleCluster('c1'), 1);
  await upsertApp(store.client, sampleApp('p', 'routed', { clusters: ['c1'] }), 1);
  await store.client.execute({ sql: 'UPDATE apps SET routes_json = ? WHERE id = ?', args: [routes(0.5), 'p/routed'] });
});
afterAll(() => store.dispose());

test('a refresh with the same routes row keeps the routes object; a changed row is read anew', async () => {
  const first = await loadAppSnapshot(store.client, 'p/routed', NOW);
  const again = await loadAppSnapshot(store.client, 'p/routed', NOW + 1_000);
  expect(first?.app.routes).toBeDefined();
  expect(again).not.toBe(first);
  expect(again?.app.routes).toBe(first?.app.routes);

  await store.client.execute({ sql: 'UPDATE apps SET routes_json = ? WHERE id = ?', args: [routes(0.7), 'p/routed'] });
  const changed = await loadAppSnapshot(store.client, 'p/routed', NOW + 2_000);
  expect(changed?.app.routes).not.toBe(first?.app.routes);
  expect(changed?.app.routes?.routes[0]?.when.minScore).toBe(0.7);
});
