/** `switchyard service-keys list` as a real child process against a real file database. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

const run = promisify(execFile);
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-service-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = async (args: string[]): Promise<string> => (await run(process.execPath, [tsx, main, ...args], { cwd: dir })).stdout;

test('an empty list says so and how to create a key (it printed nothing)', async () => {
  const db = `file:${join(dir, 'keys.db')}`;
  await cli(['db', 'migrate', '--db', db]);
  expect(await cli(['service-keys', 'list', '--db', db])).toBe('no service keys; create one with: switchyard service-keys create --app <project/app>\n');
  expect(await cli(['service-keys', 'list', '--db', db, '--app', 'acme/chat'])).toBe('no service keys for acme/chat; create one with: switchyard service-keys create --app acme/chat\n');
}, 60_000);
