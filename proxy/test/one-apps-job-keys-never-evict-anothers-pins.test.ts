/**
 * Tenant isolation of job pins (issue 10, audit s16): app A's clients choose their job keys, and
 * every answered request with a new key adds a pin. Up to s16 the proxy kept the 50,000 newest pins
 * over all apps, in memory and in each 2 s refresh from libSQL, so A's flood pushed out app B's
 * pin and B's job lost its replica; and every refresh re-read and re-sorted every live pin.
 * The tenant is the project: a project flooding through 20 apps held 20 shares of the memory and
 * of the write buffer, and another project's pins were the ones pushed out.
 * Against REAL libSQL (file, as the proxy's store).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, sampleApp, sampleCluster, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { JobPins, type JobPinStore } from '../src/job-pins.ts';
import { libsqlProxyStore } from '../src/store.ts';

const NOW = 1_700_000_000_000;
const PIN_MS = 600_000;
const B_KEY = 'f'.repeat(64);
const hex = (i: number): string => i.toString(16).padStart(64, '0');

test("in memory: app A's 50,000 new job keys leave app B's live pin in place", () => {
  const pins = new JobPins(null, 'px', () => undefined);
  pins.record('p/b', B_KEY, 'c1', 'http://b-r1', PIN_MS, NOW);
  // A at 100 new conversations/s for ~8 minutes (well inside a 10-minute pin).
  for (let i = 0; i < 50_000; i++) pins.record('p/a', hex(i), 'c1', 'http://a-r1', PIN_MS, NOW + 1 + i * 10);
  expect(pins.get('p/b', B_KEY, NOW + 500_001)?.endpoint).toBe('http://b-r1');
});

test("in memory: project P's new job keys through 20 apps leave project Q's pins in place", () => {
  const pins = new JobPins(null, 'px', () => undefined, 1_000);
  for (let i = 0; i < 200; i++) pins.record('q/b', hex(1e6 + i), 'c1', 'http://b-r1', PIN_MS, NOW);
  for (let i = 0; i < 20_000; i++) pins.record(`p/a${i % 20}`, hex(i), 'c1', 'http://a-r1', PIN_MS, NOW + 1 + i);
  const kept = Array.from({ length: 200 }, (_, i) => pins.get('q/b', hex(1e6 + i), NOW + 30_000)).filter((p) => p !== null);
  expect(kept).toHaveLength(200);
  expect(pins.size).toBe(1_000);
});

test("written: project P's burst of pins through 20 apps never drops project Q's from the write buffer", async () => {
  const written: string[] = [];
  const db: JobPinStore = {
    upsertJobPins: async (rows) => void written.push(...rows.map((r) => r.appId)),
    loadJobPins: () => Promise.reject(new Error('unused')),
    pruneJobPins: () => Promise.resolve(),
  };
  const pins = new JobPins(db, 'px', () => undefined);
  // One tick's pins (the buffer holds 10,000): 20,000 over 20 apps of p, and 2,000 of q/b
  // among them, more than any one of p's apps keeps (~475), far less than p's share.
  for (let i = 0; i < 20_000; i++) {
    pins.record(`p/a${i % 20}`, hex(i), 'c1', 'http://a-r1', PIN_MS, NOW);
    if (i % 10 === 0) pins.record('q/b', hex(1e6 + i), 'c1', 'http://b-r1', PIN_MS, NOW);
  }
  await pins.settled();
  expect(written.filter((a) => a === 'q/b')).toHaveLength(2_000);
});

let store: TempStore;
beforeAll(async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  await upsertCluster(store.client, sampleCluster('c1'), 1);
  for (const a of ['a', 'b']) await upsertApp(store.client, sampleApp('p', a, { clusters: ['c1'] }), 1);
  const db = libsqlProxyStore(store.client);
  await db.upsertJobPin({ appId: 'p/b', keyHash: B_KEY, clusterId: 'c1', endpoint: 'http://b-r1', proxyId: 'old', expiresAt: NOW + PIN_MS, updatedAt: NOW });
  // Bulk insert A's rows (what 50,000 answered requests with new keys write).
  const values: string[] = [];
  for (let i = 0; i < 50_000; i++) values.push(`('p/a','${hex(i)}','c1','http://a-r1','old',${NOW + PIN_MS},${NOW + 1 + i})`);
  for (let i = 0; i < values.length; i += 5_000)
    await store.client.execute(`INSERT INTO job_pins (app_id,key_hash,cluster_id,endpoint,proxy_id,expires_at,updated_at) VALUES ${values.slice(i, i + 5_000).join(',')}`);
});
afterAll(() => store.dispose());

/** The libSQL store, counting the pin rows each refresh reads. */
function counting(): JobPinStore & { read: number; loads: number } {
  const db = libsqlProxyStore(store.client);
  const s = {
    read: 0,
    loads: 0,
    upsertJobPins: (rows: Parameters<JobPinStore['upsertJobPins']>[0]) => db.upsertJobPins(rows),
    pruneJobPins: (c: readonly string[], now: number) => db.pruneJobPins(c, now),
    loadJobPins: async (c: readonly string[], now: number, after: number, limit: number) => {
      s.loads++;
      const page = await db.loadJobPins(c, now, after, limit);
      s.read += page.rows.length;
      return page;
    },
  };
  return s;
}

test("from libSQL: a fresh proxy process (restart, drain hand-over, sibling worker) loads B's pin though A has 50,000 newer ones", async () => {
  const pins = new JobPins(libsqlProxyStore(store.client), 'px', () => undefined);
  const t0 = performance.now();
  for (let i = 0; i < 3 && pins.get('p/b', B_KEY, NOW + 60_000) === null; i++) await pins.refresh(['c1'], NOW + 60_000);
  // Bench note, not asserted (machine-dependent): the cold load pages by the seq index.
  console.log(`cold load of 50,001 live pins: ${(performance.now() - t0).toFixed(0)} ms`);
  expect(pins.get('p/b', B_KEY, NOW + 60_000)?.endpoint).toBe('http://b-r1');
});

test('after the first load, a refresh reads only the pins changed since (one new pin: one row), and overlapping refreshes read once', async () => {
  const s = counting();
  const pins = new JobPins(s, 'px', () => undefined);
  await pins.refresh(['c1'], NOW + 60_000);
  await pins.refresh(['c1'], NOW + 60_000);
  expect(s.read).toBe(50_001);
  const other = new JobPins(libsqlProxyStore(store.client), 'px2', () => undefined);
  other.record('p/b', 'e'.repeat(64), 'c1', 'http://b-r2', PIN_MS, NOW + 61_000);
  await other.settled();
  s.read = 0;
  s.loads = 0;
  await Promise.all([pins.refresh(['c1'], NOW + 62_000), pins.refresh(['c1'], NOW + 62_000)]);
  expect({ read: s.read, loads: s.loads }).toEqual({ read: 1, loads: 1 });
  expect(pins.get('p/b', 'e'.repeat(64), NOW + 62_000)?.endpoint).toBe('http://b-r2');
});

test.each([
  ['the refresh', `SELECT * FROM job_pins WHERE seq > 0 AND expires_at > 0 AND cluster_id IN ('c1') ORDER BY seq LIMIT 5000`, 'job_pins_by_seq'],
  ['the prune', `DELETE FROM job_pins WHERE expires_at <= 0 AND cluster_id IN ('c1')`, 'job_pins_by_expiry'],
])('%s reads by index, no scan of every pin and no sort', async (_name, sql, index) => {
  const rs = await store.client.execute(`EXPLAIN QUERY PLAN ${sql}`);
  const plan = rs.rows.map((r) => String(r['detail'])).join('\n');
  expect(plan).toContain(index);
  expect(plan).not.toMatch(/SCAN job_pins\b(?! USING)|TEMP B-TREE/);
});
