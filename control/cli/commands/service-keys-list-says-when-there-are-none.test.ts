/** `switchyard service-keys list`, in-process (run-cli-in-process.ts), against a real file database. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-service-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** The command's stdout; it must succeed. */
const cli = async (args: string[]): Promise<string> => {
  const r = await runCliInProcess(args, { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

test('an empty list says so and how to create a key (it printed nothing)', async () => {
  const db = `file:${join(dir, 'keys.db')}`;
  await cli(['db', 'migrate', '--db', db]);
  expect(await cli(['service-keys', 'list', '--db', db])).toBe('no service keys; create one with: switchyard service-keys create --app <project/app>\n');
  expect(await cli(['service-keys', 'list', '--db', db, '--app', 'acme/chat'])).toBe('no service keys for acme/chat; create one with: switchyard service-keys create --app acme/chat\n');
}, 60_000);
