/**
 * `service-keys create --id` takes only ids of the one key-id rule (shared/domain/key-id.ts, the
 * token kid's): an empty id, or one with a line break that forged a row in `service-keys list`,
 * is a usage error (exit 2) and writes nothing. The CLI in-process, a real file database.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, sampleApp, type TempStore } from '../../store/test-fixtures.ts';
import { upsertApp } from '../../store/upsert-app.ts';
import { upsertProject } from '../../store/upsert-project.ts';
import { runCliInProcess } from '../run-cli-in-process.ts';

let store: TempStore;
let db: string;
beforeAll(async () => {
  store = await openTempStore();
  db = `file:${store.path}`;
  await upsertProject(store.client, { id: 'acme', name: 'Acme' }, 1);
  await upsertApp(store.client, sampleApp('acme', 'chat'), 1);
});
afterAll(() => store.dispose());

test.each([
  ['empty', ''],
  ['a line break forging a row', 'x\nforged\tacme/chat\tactive\t2020-01-01T00:00:00.000Z'],
  ['a space', 'my key'],
  ['longer than 64', 'k'.repeat(65)],
])(
  'an id that is %s is refused, exit 2, nothing written',
  async (_what, id) => {
    const r = await runCliInProcess([
      'service-keys',
      'create',
      '--app',
      'acme/chat',
      '--id',
      id,
      '--db',
      db,
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `a key id must be 1-64 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(id)}`,
    );
    const rows = await store.client.execute('SELECT id FROM service_keys');
    expect(rows.rows).toHaveLength(0);
  },
  60_000,
);

test('a well-formed id is taken and listed on one line', async () => {
  expect(
    (
      await runCliInProcess([
        'service-keys',
        'create',
        '--app',
        'acme/chat',
        '--id',
        'svc.ok_1-a',
        '--db',
        db,
      ])
    ).code,
  ).toBe(0);
  const list = await runCliInProcess(['service-keys', 'list', '--db', db]);
  expect(list.stdout.trim().split('\n')).toEqual([
    expect.stringMatching(/^svc\.ok_1-a\tacme\/chat\tactive\t/),
  ]);
  await store.client.execute('DELETE FROM service_keys');
}, 60_000);
