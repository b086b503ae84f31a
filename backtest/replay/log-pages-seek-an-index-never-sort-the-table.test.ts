/**
 * `switchyard replay --db` reads the decision log a page at a time in (at, id) order. Without an
 * index on time, every page of a whole-log replay (no --app) scanned and sorted the whole table:
 * ~2/3 of a 100,000-row replay's CPU, growing with the log for every page. Each page now seeks an
 * index: `decisions_at` (migration 31), or `decisions_app_at` with an app. Read off SQLite's own
 * plan for the statement the reader runs (`pageQuery`).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { pageQuery, type DbQuery } from './read-records-db.ts';

let store: TempStore;
beforeAll(async () => {
  store = await openTempStore();
});
afterAll(() => store.dispose());

async function plan(q: Omit<DbQuery, 'url'>, after: { at: number; id: string } | null): Promise<string> {
  const { sql, args } = pageQuery({ url: '', ...q }, 'id, at, app_id, input_json', after, 2_000);
  const rs = await store.client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args });
  return rs.rows.map((r) => String(r['detail'])).join('\n');
}

it.each([
  ['the whole log, first page', {}, null, 'decisions_at'],
  ['the whole log, a later page', {}, { at: 1_000, id: 'd-9' }, 'decisions_at'],
  ['the whole log since a time', { since: 500 }, { at: 1_000, id: 'd-9' }, 'decisions_at'],
  ['one app, a later page', { app: 'acme/chat' }, { at: 1_000, id: 'd-9' }, 'decisions_app_at'],
] as const)('%s: a seek of %s, no sort of the rows', async (_name, q, after, index) => {
  const p = await plan(q, after);
  expect(p).toContain(`USING INDEX ${index}`);
  // An app's index is (app_id, at): rows of one millisecond are put in id order (`RIGHT PART OF
  // ORDER BY`), a few at a time; the first page walks `decisions_at` in order up to its LIMIT.
  // What must never come back is a scan of the table, or a sort of every row the page reads.
  expect(p).not.toMatch(/SCAN decisions(?! USING INDEX)|TEMP B-TREE FOR ORDER BY/);
});
