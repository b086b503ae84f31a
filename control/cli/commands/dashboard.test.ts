/** `switchyard dashboard` as a real child process: bad settings are a startup error naming each one. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { switchyardCommand } from '../switchyard-command.ts';

const run = promisify(execFile);
const argv = (args: readonly string[]): [string, string[]] => {
  const c = switchyardCommand(args);
  return [c.command, c.args];
};

test('refuses to start without the operator key or a database, naming both, exit 2', async () => {
  const env = { ...process.env };
  delete env['SWITCHYARD_OPERATOR_KEY'];
  delete env['EDGE_OPERATOR_KEY'];
  delete env['LIBSQL_URL'];
  const err = await run(...argv(['dashboard', '--port', 'x']), { env }).then(
    () => null,
    (e: unknown) => e as { code?: number; stderr?: string },
  );
  expect(err?.code).toBe(2);
  expect(err?.stderr).toContain('SWITCHYARD_OPERATOR_KEY is required');
  expect(err?.stderr).toContain('--db (or LIBSQL_URL) is required');
  expect(err?.stderr).toContain('--port must be an integer');
}, 60_000);
