import { expect, test } from 'vitest';
import { openTempStore } from '../store/test-fixtures.ts';
import { MIGRATIONS } from '../../shared/schema/migrations.ts';
import { startOtlpReceiver } from './receiver.ts';

test('a database without the trace_spans table is a startup error that says what to run', async () => {
  const store = await openTempStore({ migrated: false });
  try {
    await expect(startOtlpReceiver({ db: store.client, port: 0 })).rejects.toThrow(/\(schema-missing\): .*no such table: trace_spans .*run `switchyard db migrate`/);
  } finally {
    store.dispose();
  }
});

test('a database migrated before schema 29 (spans without a project) is a startup error that says what to run', async () => {
  const store = await openTempStore({ migrated: false });
  try {
    const v7 = MIGRATIONS.find((m) => m.version === 7);
    for (const sql of v7?.statements ?? []) await store.client.execute(sql);
    await expect(startOtlpReceiver({ db: store.client, port: 0 })).rejects.toThrow(/\(schema-missing\): .*no such column: project .*run `switchyard db migrate`/);
  } finally {
    store.dispose();
  }
});
