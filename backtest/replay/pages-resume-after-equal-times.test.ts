/**
 * The libSQL reader pages by (at, id): decisions made in the same millisecond (a batch from one
 * isolate) that straddle a page boundary are each read once, in id order, with and without
 * `--app`, whole and brief. Against REAL libSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { readRecordsFromDb } from './read-records-db.ts';
import { makeRecords, writeRecordsToDb } from './record-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'equal-times-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.each([
  ['every app, whole', {}],
  ['one app, whole', { app: 'acme/chat' }],
  ['every app, brief', { briefOnly: true }],
  ['one app, brief', { app: 'acme/chat', briefOnly: true }],
])('reads decisions of equal times across pages once each, in (at, id) order: %s', async (_name, q) => {
  // Ten decisions per millisecond; pages of 7 cut through every group.
  const records = makeRecords(60, DEFAULT_POLICY, 'ties').map((r, i) => ({ ...r, decision: { ...r.decision, at: 1_750_000_000_000 + Math.floor(i / 10) } }));
  const url = `file:${join(dir, `${_name.replace(/\W+/g, '-')}.db`)}`;
  await writeRecordsToDb(url, records);
  const ids: string[] = [];
  for await (const r of readRecordsFromDb({ url, pageSize: 7, ...q })) ids.push(r.brief?.id ?? r.decision.id);
  const expected = records.map((r) => r.decision).sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((d) => d.id);
  expect(ids).toEqual(expected);
  expect(new Set(ids).size).toBe(60);
});
