/**
 * The auth clock (migration 26) against REAL libSQL: the edge re-reads its cached keys and every
 * app's gate only when it moved, so it must move on every change that can let a request in or
 * keep it out (a key created, revoked, deleted; an app created, deleted, opened, closed, its CORS
 * origins changed), and stay put when `apply` rewrites rows unchanged (else every apply would
 * re-read every key in every isolate). A database at v25 migrates to it cleanly.
 */
import { afterEach, expect, test } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import { openTempStore, sampleApp, upsertAppAtSchema, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApiKey } from '../../control/store/upsert-api-key.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { MIGRATIONS } from '../schema/migrations.ts';
import { loadAppGates, loadAuthClock } from './load-app-snapshot.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

const key = (revoked: boolean) => ({ id: 'k1', projectId: 'p', hash: 'a'.repeat(64), revoked });

test.each<[string, boolean, (s: TempStore) => Promise<unknown>]>([
  ['a key created', true, (s) => upsertApiKey(s.client, { ...key(false), id: 'k2', hash: 'b'.repeat(64) }, 2)],
  ['a key revoked', true, (s) => upsertApiKey(s.client, key(true), 2)],
  ['a key deleted', true, (s) => s.client.execute("DELETE FROM api_keys WHERE id = 'k1'")],
  ['a key rewritten unchanged', false, (s) => upsertApiKey(s.client, key(false), 2)],
  ['an app created', true, (s) => upsertApp(s.client, sampleApp('p', 'b', { authRequired: true }), 2)],
  ['an app opened to keyless calls', true, (s) => upsertApp(s.client, sampleApp('p', 'a', { authRequired: false }), 2)],
  ['an app given another CORS origin', true, (s) => upsertApp(s.client, sampleApp('p', 'a', { authRequired: true, corsOrigins: ['https://x.test'] }), 2)],
  ['an app deleted', true, (s) => s.client.execute("DELETE FROM apps WHERE id = 'p/a'")],
  ['an app rewritten unchanged (apply)', false, (s) => upsertApp(s.client, sampleApp('p', 'a', { authRequired: true }), 2)],
  ['an app changing what only its snapshot reads', false, (s) => upsertApp(s.client, sampleApp('p', 'a', { authRequired: true, strategy: 'round-robin' }), 2)],
])('%s → clock moves: %s', async (_name, moves, change) => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  await upsertApp(store.client, sampleApp('p', 'a', { authRequired: true }), 1);
  await upsertApiKey(store.client, key(false), 1);
  const before = await loadAuthClock(store.client);
  await change(store);
  expect((await loadAuthClock(store.client)) > before).toBe(moves);
});

test('the gates carry owner, keyless or not, and CORS origins, with the clock in the same read', async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  await upsertApp(store.client, sampleApp('p', 'a', { authRequired: true, corsOrigins: ['https://app.test'] }), 1);
  await upsertApp(store.client, sampleApp('p', 'open', { authRequired: false }), 1);
  const { clock, gates } = await loadAppGates(store.client);
  expect(clock).toBe(await loadAuthClock(store.client));
  expect(gates.get('p/a')).toEqual({ projectId: 'p', authRequired: true, corsOrigins: ['https://app.test'] });
  expect(gates.get('p/open')?.authRequired).toBe(false);
});

test('a v25 database with keys and apps migrates to the clock, which then moves', async () => {
  store = await openTempStore({ migrated: false });
  await migrate(store.client, { now: 1, migrations: MIGRATIONS.filter((m) => m.version < 26) });
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  await upsertApiKey(store.client, key(false), 1);
  await migrate(store.client, { now: 2 });
  const before = await loadAuthClock(store.client);
  await upsertApiKey(store.client, key(true), 3);
  expect(await loadAuthClock(store.client)).toBe(before + 1);
});

test('a database not yet at v26 still gives the gates (clock -1), so an edge deployed first keeps serving', async () => {
  store = await openTempStore({ migrated: false });
  await migrate(store.client, { now: 1, migrations: MIGRATIONS.filter((m) => m.version < 26) });
  await upsertProject(store.client, { id: 'p', name: 'P' }, 1);
  await upsertAppAtSchema(store.client, sampleApp('p', 'a', { authRequired: true }), 1, 25);
  const { clock, gates } = await loadAppGates(store.client);
  expect(clock).toBe(-1);
  expect(gates.get('p/a')?.authRequired).toBe(true);
});
