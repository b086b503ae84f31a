/**
 * A --db naming a file that is not a database (a config, a log, the wrong path) ended every
 * command with `SQLITE_NOTADB: file is not a database — see the cause`, and no cause was shown.
 * Now the hint says what is wrong and what to check: exit 1, the file left as it was.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const cwd = mkdtempSync(join(tmpdir(), 'switchyard-not-a-db-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const path = join(cwd, 'notes.txt');
writeFileSync(path, 'not a database, just some text that is long enough to have a header page\n'.repeat(4));

test.each([[['db', 'migrate']], [['status']], [['service-keys', 'list']]])('switchyard %j --db <a text file> says it is not a database', async (args) => {
  const r = await runCliInProcess([...args, '--db', `file:${path}`], { cwd });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain('(not-a-database)');
  expect(r.stderr).toContain('the file --db (or LIBSQL_URL) names is not a libSQL database: check the path');
  expect(r.stderr).not.toContain('see the cause');
  expect(readFileSync(path, 'utf8')).toMatch(/^not a database/);
}, 60_000);
