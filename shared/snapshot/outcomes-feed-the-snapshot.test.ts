/**
 * Outcome feedback, against REAL libSQL: outcomes the proxies wrote (through the store's own
 * insert) become per-cluster error rates and observed TTFB in the app's snapshot. Only replica
 * faults count (5xx, no answer); a client's 4xx does not; other apps and old rows are left out.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { insertOutcomes } from '../../control/store/insert-outcomes.ts';
import {
  insertRoutedDecision,
  openTempStore,
  sampleApp,
  sampleCluster,
  type TempStore,
} from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';
import { OUTCOME_WINDOW_MS } from './statements.ts';

const NOW = 1_700_000_000_000;
let store: TempStore;

function decision(id: string, appId: string): Promise<void> {
  return insertRoutedDecision(store.client, { id, at: NOW - 1000, appId, clusterId: 'c1' });
}

function outcome(
  decisionId: string,
  clusterId: string,
  status: number,
  ttfbMs: number | null,
  at = NOW - 1000,
) {
  return {
    decisionId,
    attempt: 0,
    proxyId: 'px',
    clusterId,
    endpoint: null,
    status,
    ttfbMs,
    durationMs: 10,
    bytesIn: 0,
    bytesOut: 0,
    error: status === 0 ? 'upstream-reset' : null,
    at,
  };
}

beforeAll(async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  for (const id of ['c1', 'c2']) await upsertCluster(store.client, sampleCluster(id), 1);
  await upsertApp(store.client, sampleApp('p', 'a', { clusters: ['c1', 'c2'] }), 1);
  await upsertApp(store.client, sampleApp('p', 'other', { clusters: ['c1'] }), 1);
  const rows = [];
  for (let i = 0; i < 10; i++) {
    await decision(`d${i}`, 'p/a');
    // c1: 4 × 503, 2 × reset (status 0), 2 × 404 (client fault), 2 × 200 at 100 ms
    const status = i < 4 ? 503 : i < 6 ? 0 : i < 8 ? 404 : 200;
    rows.push(outcome(`d${i}`, 'c1', status, status === 0 ? null : 100));
    rows.push({ ...outcome(`d${i}`, 'c2', 200, 40), attempt: 1 }); // the retry elsewhere
  }
  await decision('x1', 'p/other');
  rows.push(outcome('x1', 'c1', 500, 5)); // another app's failure
  await decision('old', 'p/a');
  rows.push({ ...outcome('old', 'c2', 500, 5, NOW - OUTCOME_WINDOW_MS - 1), attempt: 1 }); // outside the window
  await insertOutcomes(store.client, rows);
});

afterAll(() => store.dispose());

test('error rate counts replica faults only, per app, within the window', async () => {
  const snap = await loadAppSnapshot(store.client, 'p/a', NOW);
  expect(snap?.outcomes?.get('c1')).toEqual({
    clusterId: 'c1',
    requests: 10,
    replicaErrors: 6,
    ttfbMs: 100,
    ttfbMinMs: 100,
    observedAt: NOW - 1000,
  });
  expect(snap?.outcomes?.get('c2')).toEqual({
    clusterId: 'c2',
    requests: 10,
    replicaErrors: 0,
    ttfbMs: 40,
    ttfbMinMs: 40,
    observedAt: NOW - 1000,
  });
});

test('an app without outcomes gets none', async () => {
  const snap = await loadAppSnapshot(store.client, 'p/other', NOW + 10 * OUTCOME_WINDOW_MS);
  expect(snap?.outcomes?.size).toBe(0);
});

// Which answers count as replica faults, which are left out as capacity refusals (the engine's
// 429: queue full), and which are ordinary answers. Each case is its own app on c1.
test.each([
  { name: 'a queue-full 429 is neither an attempt nor a fault', statuses: [429, 429, 200], requests: 1, errors: 0, ttfbMs: 100 },
  { name: 'only refusals: no evidence at all', statuses: [429, 429], requests: null, errors: null, ttfbMs: null },
  { name: '5xx and resets are faults', statuses: [500, 502, 503, 0, 200], requests: 5, errors: 4, ttfbMs: 100 },
  { name: '501 / 505 are not replica faults (as for the proxy breaker)', statuses: [501, 505, 200], requests: 3, errors: 0, ttfbMs: 100 },
  { name: 'client 4xx are attempts, not faults', statuses: [400, 404, 200], requests: 3, errors: 0, ttfbMs: 100 },
])('$name', async ({ name, statuses, requests, errors, ttfbMs }) => {
  const appName = `case-${name.length}-${statuses.join('-')}`;
  await upsertApp(store.client, sampleApp('p', appName, { clusters: ['c1'] }), 1);
  const rows = [];
  for (const [i, status] of statuses.entries()) {
    const id = `${appName}-${i}`;
    await decision(id, `p/${appName}`);
    rows.push(outcome(id, 'c1', status, status === 0 ? null : status === 429 ? 1 : 100));
  }
  await insertOutcomes(store.client, rows);
  const got = (await loadAppSnapshot(store.client, `p/${appName}`, NOW))?.outcomes?.get('c1');
  if (requests === null) expect(got).toBeUndefined();
  else expect([got?.requests, got?.replicaErrors, got?.ttfbMs]).toEqual([requests, errors, ttfbMs]);
});
