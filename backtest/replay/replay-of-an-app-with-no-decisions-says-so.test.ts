/**
 * `switchyard replay --app X` where the log has no decision for X fails (exit 1) naming the app,
 * the source and the apps that do have decisions, from the database and from an NDJSON export
 * alike; it wrote an empty report and exited 0, so a mistyped app read as "nothing moved". So does
 * `--since T` past every decision, naming the times the log holds where that is cheap (the
 * database); it exited 0 with "replayed 0 decisions" and a report (new-user walkthrough L3). An
 * export of no records is refused too and leaves no file, unless `--allow-empty` says a quiet window
 * is expected (a scheduled export). The CLI in-process, a real file database.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCliInProcess } from '../../control/cli/run-cli-in-process.ts';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { noDecisions } from './apps-with-decisions.ts';
import { makeRecords, writeRecordsToDb } from './record-fixtures.ts';
import { openStore } from '../../control/store/open-store.ts';
import { sampleApp } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-no-decisions-'));
const db = `file:${join(dir, 'd.db')}`;
const nd = join(dir, 'all.ndjson');
let app = '';
let first = '';
let last = '';
beforeAll(async () => {
  const records = makeRecords(20, DEFAULT_POLICY);
  app = records[0]?.decision.appId ?? '';
  const times = records.map((r) => r.decision.at).sort((a, b) => a - b);
  first = new Date(times[0] ?? 0).toISOString();
  last = new Date(times.at(-1) ?? 0).toISOString();
  await writeRecordsToDb(db, records);
  // An app the configuration knows that has taken no request yet.
  const store = openStore({ url: db, create: false });
  try {
    await upsertProject(store.client, { id: 'acme', name: 'Acme' }, 1);
    await upsertApp(store.client, sampleApp('acme', 'new-today'), 1);
  } finally {
    store.close();
  }
  const r = await runCliInProcess(['replay', '--db', db, '--export-ndjson', nd]);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ['--db', () => ['--db', db], () => db],
  ['--input', () => ['--input', nd], () => nd],
])('from %s: exit 1, the app, the source and the apps with decisions named', async (_from, source, shown) => {
  const out = join(dir, 'report');
  const r = await runCliInProcess(['replay', ...source(), '--app', 'acme/typo', '--out', out]);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(`no decisions for app acme/typo in ${shown()}; apps with decisions: ${app}`);
  expect(existsSync(join(out, 'report.json'))).toBe(false);
}, 60_000);

test('--since is part of the message; the app itself still replays', async () => {
  const r = await runCliInProcess(['replay', '--db', db, '--app', app, '--since', '2100-01-01T00:00:00Z', '--out', join(dir, 'late')]);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(`no decisions for app ${app} at or after 2100-01-01T00:00:00.000Z in ${db}`);
  const ok = await runCliInProcess(['replay', '--input', nd, '--app', app, '--out', join(dir, 'ok')]);
  expect(ok.code, ok.stderr).toBe(0);
  expect(ok.stdout).toContain('replayed 20 decisions');
}, 60_000);

test.each([
  ['--db, --since alone', () => ['--db', db, '--since', '2099-01-01'], () => `--since 2099-01-01 selected nothing: no decisions at or after 2099-01-01T00:00:00.000Z in ${db}; its decisions run from ${first} to ${last}`],
  ['--input, --since alone', () => ['--input', nd, '--since', '2099-01-01'], () => `--since 2099-01-01 selected nothing: no decisions at or after 2099-01-01T00:00:00.000Z in ${nd}; its decisions are all earlier`],
  ['--db, an app that has decisions', () => ['--db', db, '--app', app, '--since', '2099-01-01'], () => `--since 2099-01-01 selected nothing: no decisions for app ${app} at or after 2099-01-01T00:00:00.000Z in ${db}; app ${app}'s decisions run from ${first} to ${last}`],
  ['--input, an app that has none', () => ['--input', nd, '--app', 'acme/typo', '--since', '2099-01-01'], () => `--app acme/typo selected nothing: no decisions for app acme/typo at or after 2099-01-01T00:00:00.000Z in ${nd}; apps with decisions: ${app}`],
])('from %s: exit 1 naming the filter that selected nothing, and no report', async (_name, args, message) => {
  const out = join(dir, `empty-${_name.replace(/\W+/g, '-')}`);
  const r = await runCliInProcess(['replay', ...args(), '--out', out]);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(message());
  expect(r.stdout).not.toContain('replayed 0');
  expect(existsSync(join(out, 'report.json'))).toBe(false);
}, 60_000);

test('an export of no records is refused and leaves no file', async () => {
  const file = join(dir, 'none.ndjson');
  const r = await runCliInProcess(['replay', '--db', db, '--app', 'acme/typo', '--export-ndjson', file]);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain('no decisions for app acme/typo');
  expect(existsSync(file)).toBe(false);
}, 60_000);

// A scheduled export of a window that may be quiet must not page anyone: --allow-empty turns the
// same words into a note, exit 0, and an export still leaves its (empty) file for the next step.
test.each([
  ['plain', 'quiet.ndjson'],
  ['gzip', 'quiet.ndjson.gz'],
])('--allow-empty: an export of a quiet window exits 0 with an empty %s file and says why', async (_kind, name) => {
  const file = join(dir, name);
  const r = await runCliInProcess(['replay', '--db', db, '--since', '2099-01-01', '--export-ndjson', file, '--allow-empty']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`exported 0 decision records to ${file}`);
  expect(r.stderr).toContain(`--since 2099-01-01 selected nothing: no decisions at or after 2099-01-01T00:00:00.000Z in ${db}`);
  expect(r.stderr).toContain('(--allow-empty: not an error)');
  expect(existsSync(file)).toBe(true);
  const back = await runCliInProcess(['replay', '--input', file, '--allow-empty', '--out', join(dir, `back-${_kind}`)]);
  expect(back.code, back.stderr).toBe(0);
  expect(back.stderr).toContain('no decisions in');
}, 60_000);

test.each([
  ['--db', () => ['--db', db]],
  ['--input', () => ['--input', nd]],
])('--allow-empty from %s: a replay of a quiet window exits 0 and writes no report', async (_from, source) => {
  const out = join(dir, `quiet-${_from.replace(/\W+/g, '')}`);
  const r = await runCliInProcess(['replay', ...source(), '--since', '2099-01-01', '--allow-empty', '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('--since 2099-01-01 selected nothing');
  expect(r.stderr).toContain('(--allow-empty: not an error, no report written)');
  expect(existsSync(join(out, 'report.json'))).toBe(false);
}, 60_000);

// A misspelt --app must still fail a scheduled export: --allow-empty forgives a quiet window of an
// app that exists, not an id that neither the log nor the configuration has ever seen.
test.each([
  ['--db', () => ['--db', db], 'the log holds no decision of that app at any time and its configuration has no such app'],
  ['--input', () => ['--input', nd], 'the file holds no decision of that app at any time'],
])('--allow-empty from %s: a misspelt --app is still exit 1, and says why', async (_from, source, why) => {
  const file = join(dir, `typo-${_from.replace(/\W+/g, '')}.ndjson`);
  const r = await runCliInProcess(['replay', ...source(), '--app', 'acme/chta', '--since', '2099-01-01', '--export-ndjson', file, '--allow-empty']);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain('--app acme/chta selected nothing');
  expect(r.stderr).toContain(`--allow-empty forgives a quiet window, not an app id that may be misspelt: ${why}`);
  expect(existsSync(file)).toBe(false);
}, 60_000);

test('--allow-empty: an app the configuration knows, with no decisions yet, is a quiet window', async () => {
  const file = join(dir, 'new-today.ndjson');
  const r = await runCliInProcess(['replay', '--db', db, '--app', 'acme/new-today', '--export-ndjson', file, '--allow-empty']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('--app acme/new-today selected nothing');
  expect(r.stderr).toContain('(--allow-empty: not an error)');
  expect(existsSync(file)).toBe(true);
}, 60_000);

test('past ten apps the list ends with …; none at all is said', () => {
  const apps = Array.from({ length: 11 }, (_, i) => `p/a${i}`);
  expect(noDecisions({ app: 'p/x' }, 'log.ndjson', { apps }).message).toBe(
    `--app p/x selected nothing: no decisions for app p/x in log.ndjson; apps with decisions: ${apps.slice(0, 10).join(', ')}, …`,
  );
  expect(noDecisions({ app: 'p/x' }, 'log.ndjson', { apps: [] }).message).toBe('no decisions for app p/x in log.ndjson; it has no decisions for any app');
  expect(noDecisions({}, 'log.ndjson', { apps: [] }).message).toBe('no decisions in log.ndjson; it has no decisions for any app');
});
