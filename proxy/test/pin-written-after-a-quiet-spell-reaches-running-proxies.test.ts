/**
 * A pin written after a quiet spell reaches every running proxy. Migration 23 numbered pin
 * changes MAX(seq) + 1 over the rows left, so once prune had deleted the newest (expired) rows a
 * new pin reused a number at or below a running proxy's cursor, and that proxy never read it: with
 * several workers or proxies, the job's next request lost its replica. Migration 24 numbers changes
 * from a counter that never goes back; a proxy whose cursor is past the store's counter (a database
 * restored from a backup) reads everything again.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, sampleApp, sampleCluster, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { JobPins } from '../src/job-pins.ts';
import { libsqlProxyStore } from '../src/store.ts';

const T = 1_700_000_000_000;
const k = (i: number): string => i.toString(16).padStart(64, '0');
let store: TempStore;
beforeAll(async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  await upsertCluster(store.client, sampleCluster('c1'), 1);
  await upsertApp(store.client, sampleApp('p', 'a', { clusters: ['c1'] }), 1);
});
afterAll(async () => store.close?.());

test('a pin written after prune emptied the top of the seq range is seen by a running proxy', async () => {
  const db = libsqlProxyStore(store.client);
  const reader = new JobPins(db, 'reader', () => undefined);
  // 5 pins written by another proxy, 30 s pins.
  for (let i = 0; i < 5; i++) await db.upsertJobPin({ appId: 'p/a', keyHash: k(i), clusterId: 'c1', endpoint: 'http://r1', proxyId: 'w', expiresAt: T + 30_000, updatedAt: T });
  await reader.refresh(['c1'], T + 1);
  // A quiet minute: every pin expires and is pruned (any proxy's refresh prunes).
  await db.pruneJobPins(['c1'], T + 120_000);
  // New job: another proxy pins it.
  await db.upsertJobPin({ appId: 'p/a', keyHash: k(99), clusterId: 'c1', endpoint: 'http://r2', proxyId: 'w', expiresAt: T + 200_000, updatedAt: T + 120_001 });
  await reader.refresh(['c1'], T + 120_002);
  expect(reader.get('p/a', k(99), T + 120_003)?.endpoint).toBe('http://r2');
});

test("a proxy whose cursor is past the store's counter (a restored database) reads every pin again", async () => {
  const db = libsqlProxyStore(store.client);
  const reader = new JobPins(db, 'reader', () => undefined);
  await db.upsertJobPin({ appId: 'p/a', keyHash: k(200), clusterId: 'c1', endpoint: 'http://r3', proxyId: 'w', expiresAt: T + 300_000, updatedAt: T + 130_000 });
  await reader.refresh(['c1'], T + 130_001);
  // The database goes back to an older state: its counter is below what the reader has read.
  await store.client.execute('UPDATE job_pins_clock SET seq = 1 WHERE id = 1');
  await store.client.execute({ sql: 'DELETE FROM job_pins WHERE key_hash = ?', args: [k(200)] });
  await db.upsertJobPin({ appId: 'p/a', keyHash: k(201), clusterId: 'c1', endpoint: 'http://r4', proxyId: 'w', expiresAt: T + 300_000, updatedAt: T + 130_002 });
  await reader.refresh(['c1'], T + 130_003);
  expect(reader.get('p/a', k(201), T + 130_004)?.endpoint).toBe('http://r4');
});
