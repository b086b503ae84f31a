/** `switchyard service-keys list` as a real child process against a real file database. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { switchyardCommand } from '../switchyard-command.ts';

const run = promisify(execFile);
const argv = (args: readonly string[]): [string, string[]] => {
  const c = switchyardCommand(args);
  return [c.command, c.args];
};
const dir = mkdtempSync(join(tmpdir(), 'switchyard-service-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = async (args: string[]): Promise<string> => (await run(...argv([...args]), { cwd: dir })).stdout;

test('an empty list says so and how to create a key (it printed nothing)', async () => {
  const db = `file:${join(dir, 'keys.db')}`;
  await cli(['db', 'migrate', '--db', db]);
  expect(await cli(['service-keys', 'list', '--db', db])).toBe('no service keys; create one with: switchyard service-keys create --app <project/app>\n');
  expect(await cli(['service-keys', 'list', '--db', db, '--app', 'acme/chat'])).toBe('no service keys for acme/chat; create one with: switchyard service-keys create --app acme/chat\n');
}, 60_000);
