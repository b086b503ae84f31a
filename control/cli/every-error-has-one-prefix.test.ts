/**
 * Every error the CLI prints starts `error: ` (control/cli/error-line.ts), whichever layer found
 * it: commander (unknown command or option), an action's usage error, the last-resort boundary,
 * a command reporting its own (rollout, dashboard, apply, aggregator). They used to read
 * `error: …`, `switchyard: …`, `error ROLLOUT_NOT_FOUND: …`, `switchyard dashboard: invalid
 * settings:` or a bare line, so a script or a reader could not tell an error line by its start.
 * Exit statuses are the table's (exit-codes.ts), unchanged. The real CLI as a process.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { testCliCommand } from '../build/test-cli-command.ts';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';

const run = promisify(execFile);

let store: TempStore;
beforeAll(async () => {
  store = await openTempStore();
});
afterAll(() => store.dispose());

async function switchyard(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const cli = testCliCommand(args);
  const { LIBSQL_URL: _u, SWITCHYARD_DB_URL: _a, SWITCHYARD_OPERATOR_KEY: _k, EDGE_OPERATOR_KEY: _e, ...rest } = process.env;
  try {
    const { stderr } = await run(cli.command, cli.args, { env: { ...rest, ...env }, timeout: 30_000 });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '' };
  }
}

const db = (): string => `file:${store.path}`;
const missing = (): string => join(store.path, '..', 'no-such.yaml');

test.each<[string, () => string[], Record<string, string>, number, string]>([
  ['an unknown command (commander)', () => ['bogus'], {}, 2, "unknown command 'bogus'"],
  ['an unknown option (commander)', () => ['status', '--bogus'], {}, 2, "unknown option '--bogus'"],
  ['a group without its command', () => ['db'], {}, 2, '`switchyard db` needs a command'],
  ['a database file that does not exist (usage, no help)', () => ['status', '--db', `${db()}-none`], {}, 2, 'no database at'],
  ['a blank LIBSQL_URL (thrown)', () => ['status'], { LIBSQL_URL: ' ' }, 1, 'LIBSQL_URL is set but blank'],
  ['a rollout that does not exist (rollout)', () => ['rollout', 'status', 'acme/none', '--db', db()], {}, 1, 'no app acme/none: check the name (project/app) or apply its config first (switchyard apply) [ROLLOUT_NOT_FOUND]'],
  ['dashboard settings missing (dashboard)', () => ['dashboard'], {}, 2, 'SWITCHYARD_OPERATOR_KEY is required'],
  ['a config file that cannot be read (apply)', () => ['apply', '-f', missing(), '--db', db()], {}, 1, 'no-such.yaml'],
  ['an aggregator without a cluster (aggregator)', () => ['aggregator', '--db', db()], {}, 1, 'error: aggregator not started: fix the config above'],
])('%s: every error line starts `error: `, exit as before', async (_name, args, env, code, said) => {
  const r = await switchyard(args(), env);
  expect(r.code, r.stderr).toBe(code);
  const first = r.stderr.split('\n')[0] ?? '';
  expect(first, r.stderr).toMatch(/^error: /);
  expect(r.stderr).toContain(said);
  // No other prefix anywhere: the last-resort `switchyard: `, a command's name, a code first.
  expect(r.stderr, r.stderr).not.toMatch(/^(switchyard[ :]|error [A-Z]|aggregator not started)/m);
}, 60_000);
