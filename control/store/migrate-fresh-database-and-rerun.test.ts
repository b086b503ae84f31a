import { afterEach, expect, test } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../shared/schema/migrations.ts';
import { migrate } from './migrate.ts';
import { openTempStore, type TempStore } from './test-fixtures.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

test('a fresh database gets every migration once; a second run applies nothing', async () => {
  store = await openTempStore({ migrated: false });
  const first = await migrate(store.client, { now: 5 });
  expect(first.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
  expect(first.version).toBe(SCHEMA_VERSION);

  const second = await migrate(store.client, { now: 6 });
  expect(second).toEqual({ applied: [], version: SCHEMA_VERSION });

  const rs = await store.client.execute('SELECT version, applied_at FROM schema_migrations');
  expect(rs.rows.map((r) => [r['version'], r['applied_at']])).toEqual(MIGRATIONS.map((m) => [m.version, 5]));
  const tables = await store.client.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
  );
  expect(tables.rows.map((r) => r['name'])).toEqual(
    expect.arrayContaining([
      'apps',
      'app_clusters',
      'app_endpoints',
      'cluster_app_state',
      'decisions',
      'outcomes',
    ]),
  );
});

test('two migrators racing on one file both succeed and the schema is applied once', async () => {
  store = await openTempStore({ migrated: false });
  const { openStore } = await import('./open-store.ts');
  const other = openStore({ url: `file:${store.path}` });
  try {
    const [a, b] = await Promise.all([migrate(store.client), migrate(other.client)]);
    expect(a.version).toBe(SCHEMA_VERSION);
    expect(b.version).toBe(SCHEMA_VERSION);
    const rs = await store.client.execute('SELECT COUNT(*) AS n FROM schema_migrations');
    expect(rs.rows[0]?.['n']).toBe(MIGRATIONS.length);
  } finally {
    other.close();
  }
});

test('a later migration is applied on top of an existing database', async () => {
  store = await openTempStore();
  const next = [
    ...MIGRATIONS,
    { version: SCHEMA_VERSION + 1, name: 'extra', statements: ['CREATE TABLE extra (x INTEGER)'] },
  ];
  const result = await migrate(store.client, { migrations: next });
  expect(result.applied).toEqual([{ version: SCHEMA_VERSION + 1, name: 'extra' }]);
  await store.client.execute('INSERT INTO extra (x) VALUES (1)');
});

test('a failing migration leaves nothing behind (one transaction)', async () => {
  store = await openTempStore();
  const broken = [
    ...MIGRATIONS,
    {
      version: SCHEMA_VERSION + 1,
      name: 'broken',
      statements: ['CREATE TABLE half (x INTEGER)', 'NOT SQL AT ALL'],
    },
  ];
  await expect(migrate(store.client, { migrations: broken })).rejects.toMatchObject({
    code: 'failed',
  });
  const rs = await store.client.execute("SELECT name FROM sqlite_master WHERE name = 'half'");
  expect(rs.rows).toHaveLength(0);
  const versions = await store.client.execute('SELECT MAX(version) AS v FROM schema_migrations');
  expect(versions.rows[0]?.['v']).toBe(SCHEMA_VERSION);
});
