/**
 * Against REAL libSQL: every distinct job key a client sends adds a `job_pins` row, so expired
 * rows must go or the table grows without bound (the edge snapshot and proxies only read the
 * newest live ones). A proxy's periodic refresh deletes its clusters' expired pins and keeps
 * live ones and other clusters' rows.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, sampleApp, sampleCluster, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { JobPins } from '../src/job-pins.ts';
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

test('a proxy refresh deletes its clusters’ expired pins', async () => {
  const db = libsqlProxyStore(store.client);
  const row = { appId: 'p/a', clusterId: 'c1', endpoint: 'http://r1', proxyId: 'px', updatedAt: NOW - 100 };
  for (let i = 0; i < 50; i++) await db.upsertJobPin({ ...row, keyHash: i.toString(16).padStart(64, '0'), expiresAt: NOW - 1 });
  await db.upsertJobPin({ ...row, keyHash: 'a'.repeat(64), expiresAt: NOW + 60_000 });
  await db.upsertJobPin({ ...row, clusterId: 'c2', keyHash: 'b'.repeat(64), expiresAt: NOW - 1 });
  await new JobPins(db, 'px', () => undefined).refresh(['c1'], NOW);
  const rs = await store.client.execute('SELECT key_hash FROM job_pins ORDER BY key_hash');
  expect(rs.rows.map((r) => String(r['key_hash']))).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
});
