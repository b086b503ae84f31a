/**
 * Every Node part reads its database from one rule (shared/env/db-env.ts): LIBSQL_URL, or its
 * older alias SWITCHYARD_DB_URL (the proxy's name); both set to different values is a startup
 * error naming both. Real file databases, the CLI and the proxy command in-process (run-cli-in-process.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-db-env-'));
const migrated = `file:${join(dir, 'migrated.db')}`;
const other = `file:${join(dir, 'other.db')}`;
const CONFLICT = 'LIBSQL_URL and SWITCHYARD_DB_URL are both set, to different values: set only LIBSQL_URL';
beforeAll(async () => {
  expect((await runCliInProcess(['db', 'migrate', '--db', migrated])).code).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ['LIBSQL_URL', { LIBSQL_URL: migrated, SWITCHYARD_DB_URL: undefined }],
  ['the alias SWITCHYARD_DB_URL', { LIBSQL_URL: undefined, SWITCHYARD_DB_URL: migrated }],
  ['both, equal', { LIBSQL_URL: migrated, SWITCHYARD_DB_URL: migrated }],
])('the CLI reads the database from %s', async (_name, env) => {
  // cwd is the temp dir: falling back to the default file:.switchyard/switchyard.db would find an unmigrated database.
  const r = await runCliInProcess(['status'], { cwd: dir, env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 60_000);

test('the CLI refuses to start when the two names disagree', async () => {
  const r = await runCliInProcess(['status'], { cwd: dir, env: { LIBSQL_URL: migrated, SWITCHYARD_DB_URL: other } });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(CONFLICT);
}, 60_000);

test('the proxy refuses to start when the two names disagree', async () => {
  const env = { LIBSQL_URL: migrated, SWITCHYARD_DB_URL: other, PROXY_AUTH_DISABLED: 'true' };
  const r = await runCliInProcess(['proxy', '--id', 'p1', '--region', 'eu-west', '--port', '0', '--workers', '1'], { cwd: dir, env });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(CONFLICT);
}, 60_000);
