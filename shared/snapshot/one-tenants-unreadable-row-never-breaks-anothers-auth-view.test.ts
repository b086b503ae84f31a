/**
 * The edge's auth view reads EVERY tenant's app gates and API keys in one read (`loadAppGates`),
 * and its per-key cache re-reads every cached key in one read (`loadApiKeysByHash`). Both parsed
 * all rows strictly: one row the reader could not parse (a hand edit, a newer writer's value) made
 * the whole read throw, so a fresh isolate 503'd every app and a running one kept its last view
 * for good: new apps, new keys and revocations stopped taking effect for every tenant. Now that
 * row alone is left out and reported: its app is unknown to the edge, its key refused as unknown
 * (never accepted), and every other tenant's gates and keys still read. As the tenants statement
 * (one-tenants-unreadable-row-never-breaks-anothers-snapshot.test.ts), against REAL libSQL.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openTempStore, sampleApp, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApiKey } from '../../control/store/upsert-api-key.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { loadApiKeysByHash, loadAppGates } from './load-app-snapshot.ts';

let store: TempStore;
const hash = (c: string): string => c.repeat(64);
const key = (id: string, projectId: string, c: string, revoked = false) => ({ id, projectId, hash: hash(c), revoked });

// p is the well-behaved tenant; q owns the row that goes bad (q/bad, key kq-bad) and one that does not.
beforeEach(async () => {
  store = await openTempStore();
  for (const id of ['p', 'q']) await upsertProject(store.client, { id, name: id.toUpperCase() }, 1);
  await upsertApp(store.client, sampleApp('p', 'chat', { authRequired: true, corsOrigins: ['https://p.test'] }), 1);
  await upsertApp(store.client, sampleApp('q', 'ok', { authRequired: false }), 1);
  await upsertApp(store.client, sampleApp('q', 'bad', { authRequired: true }), 1);
  for (const k of [key('kp', 'p', 'a'), key('kq', 'q', 'b'), key('kq-bad', 'q', 'c')]) await upsertApiKey(store.client, k, 1);
});
afterEach(() => store.dispose());

test.each([
  { what: 'CORS origins that are not JSON', sql: "UPDATE apps SET cors_origins_json = 'not json' WHERE id = 'q/bad'", table: 'apps', id: 'q/bad' },
  { what: 'CORS origins that are not strings', sql: "UPDATE apps SET cors_origins_json = '[1]' WHERE id = 'q/bad'", table: 'apps', id: 'q/bad' },
  { what: 'auth_required neither 0 nor 1', sql: "UPDATE apps SET auth_required = 2 WHERE id = 'q/bad'", table: 'apps', id: 'q/bad' },
  { what: 'a key whose revoked is neither 0 nor 1', sql: "UPDATE api_keys SET revoked = 2 WHERE id = 'kq-bad'", table: 'api_keys', id: 'kq-bad' },
] as const)('q stores $what: every other gate and key still reads, that row alone is left out and reported', async ({ sql, table, id }) => {
  await store.client.execute(sql);

  const read = await loadAppGates(store.client, 100); // threw a SnapshotError before
  expect(read.gates.get('p/chat')).toEqual({ projectId: 'p', authRequired: true, corsOrigins: ['https://p.test'] });
  expect(read.gates.get('q/ok')?.authRequired).toBe(false);
  expect(read.gates.has('q/bad')).toBe(table !== 'apps'); // unknown to the edge: only q is affected
  expect([...(read.keys?.keys() ?? [])].sort()).toEqual(table === 'api_keys' ? [hash('a'), hash('b')] : [hash('a'), hash('b'), hash('c')]);
  expect(read.unreadable.map((r) => [r.table, r.id])).toEqual([[table, id]]);
  expect(read.unreadable[0]?.error).toMatch(id); // the operator's log says which row to fix

  // Revocations elsewhere still take effect, in the view and in the per-key cache's re-read.
  await upsertApiKey(store.client, key('kp', 'p', 'a', true), 2);
  expect((await loadAppGates(store.client, 100)).keys?.get(hash('a'))?.revoked).toBe(true);
  const cached = await loadApiKeysByHash(store.client, [hash('a'), hash('b'), hash('c')]);
  expect(cached.get(hash('a'))?.revoked).toBe(true);
  expect(cached.get(hash('b'))?.projectId).toBe('q');
  // An unreadable key reads as gone: refused as unknown, never accepted.
  expect(cached.has(hash('c'))).toBe(table !== 'api_keys');
});

test('every row readable: nothing reported', async () => {
  expect((await loadAppGates(store.client, 100)).unreadable).toEqual([]);
});
