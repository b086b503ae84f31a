/**
 * Against REAL libSQL: a pin the proxy writes (libsqlProxyStore) is what the edge's snapshot
 * loader reads; a later job start moves it, an older write never moves it back, an expired pin
 * is gone, and a proxy process loads the pins another process wrote (replica stickiness after a
 * drain and restart).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, sampleApp, sampleCluster, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { hashJobKey } from '../../shared/domain/job-key.ts';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { JobPins, jobKeyOf } from '../src/job-pins.ts';
import { libsqlProxyStore } from '../src/store.ts';

const NOW = 1_700_000_000_000;
let store: TempStore;

beforeAll(async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  for (const id of ['c1', 'c2']) await upsertCluster(store.client, sampleCluster(id), 1);
  await upsertApp(store.client, sampleApp('p', 'a', { clusters: ['c1', 'c2'] }), 1);
});

afterAll(() => store.dispose());

test('the proxy writes pins by key hash and the edge snapshot reads them back', async () => {
  const db = libsqlProxyStore(store.client);
  const key = jobKeyOf({ 'x-job-id': 'job-42' }, 'p/a', 'x-job-id');
  if (!key.ok || key.hash === null) throw new Error('job key refused');
  expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
  // The edge hashes with WebCrypto, the proxy with node:crypto: one canonical hash.
  expect(await hashJobKey('p/a', 'job-42')).toBe(key.hash);
  const row = { appId: 'p/a', keyHash: key.hash, clusterId: 'c1', endpoint: 'http://r1', proxyId: 'px', expiresAt: NOW + 60_000, updatedAt: NOW };
  await db.upsertJobPin(row);
  await db.upsertJobPin({ ...row, keyHash: 'f'.repeat(64), expiresAt: NOW - 1 }); // expired
  let snap = await loadAppSnapshot(store.client, 'p/a', NOW);
  expect([...(snap?.jobPins?.keys() ?? [])]).toEqual([key.hash]);
  expect(snap?.jobPins?.get(key.hash)).toMatchObject({ clusterId: 'c1', endpoint: 'http://r1' });

  // The job restarted on c2; a delayed write from the older start does not move it back.
  await db.upsertJobPin({ ...row, clusterId: 'c2', endpoint: 'http://r2', updatedAt: NOW + 10 });
  await db.upsertJobPin({ ...row, updatedAt: NOW + 5 });
  snap = await loadAppSnapshot(store.client, 'p/a', NOW + 20);
  expect(snap?.jobPins?.get(key.hash)?.clusterId).toBe('c2');

  // The raw key is nowhere in the table.
  const rs = await store.client.execute('SELECT * FROM job_pins');
  expect(JSON.stringify(rs.rows)).not.toContain('job-42');

  // A new proxy process (after a drain) learns the pins of its clusters from the store.
  const fresh = new JobPins(db, 'px', () => undefined);
  await fresh.refresh(['c2'], NOW + 20);
  expect(fresh.get('p/a', key.hash, NOW + 20)).toMatchObject({ clusterId: 'c2', endpoint: 'http://r2' });
  expect(fresh.get('p/a', key.hash, NOW + 60_001)).toBeNull();
});

test.each([
  ['too long', 'k'.repeat(257)],
  ['not visible ASCII', 'job 42'],
  ['explicitly empty', ''],
])('a job key that is %s is the client’s 400', (_what, value) => {
  const key = jobKeyOf({ 'x-job-id': value }, 'p/a', 'x-job-id');
  expect(key.ok).toBe(false);
  if (!key.ok) expect(key.error.status).toBe(400);
});
