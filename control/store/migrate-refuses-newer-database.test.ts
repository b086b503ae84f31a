import { afterEach, expect, test } from 'vitest';
import { SCHEMA_VERSION } from '../../shared/schema/migrations.ts';
import { migrate } from './migrate.ts';
import { openTempStore, type TempStore } from './test-fixtures.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

test('a database migrated by newer code is refused with schema-too-new', async () => {
  store = await openTempStore();
  await store.client.execute({
    sql: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    args: [SCHEMA_VERSION + 1, 'from the future', 2],
  });
  const err = await migrate(store.client).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'StoreError', code: 'schema-too-new' });
  expect(String((err as Error).message)).toContain(`schema version ${SCHEMA_VERSION + 1}`);
  expect(String((err as Error).message)).toContain('upgrade switchyard');
});
