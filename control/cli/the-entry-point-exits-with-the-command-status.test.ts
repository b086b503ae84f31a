/**
 * The real entry point (main.ts, as a child process): what runSwitchyard resolves to becomes the
 * process's exit code, and what it prints reaches the process's own stdout and stderr. The other
 * CLI tests run the program in-process (run-cli-in-process.ts); these three cover each way a
 * status reaches the process: a usage error commander reports (2), an error the command threw
 * (1, printed as `error: …`), and a status the command set itself (3, a refusing gate).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { runCli } from './run-cli.ts';

let store: TempStore;
beforeAll(async () => {
  store = await openTempStore();
});
afterAll(() => store.dispose());

test('a usage error: exit 2, the problem and the help on stderr', async () => {
  const r = await runCli(['db']);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain('error: `switchyard db` needs a command: migrate, prune');
  expect(r.stderr).toContain('Usage: switchyard db');
}, 60_000);

test('an error the command threw: exit 1, one `error:` line on stderr', async () => {
  const r = await runCli(['status'], { env: { LIBSQL_URL: ' ', SWITCHYARD_DB_URL: undefined } });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toBe(
    'error: LIBSQL_URL is set but blank: set LIBSQL_URL to the database URL, pass --db, or unset LIBSQL_URL to use file:.switchyard/switchyard.db\n',
  );
}, 60_000);

test('a status the command set: exit 3 from a refusing gate, its reason on stdout', async () => {
  const r = await runCli(['canary', 'promote', '--db', `file:${store.path}`], { env: { LIBSQL_URL: undefined, SWITCHYARD_DB_URL: undefined } });
  expect(r.code, r.stderr).toBe(3);
  expect(r.stdout).toContain('no canary decisions in the log');
}, 60_000);
