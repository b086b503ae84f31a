/** `switchyard dashboard` as a real child process: bad settings are a startup error naming each one. */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const main = fileURLToPath(new URL('../main.ts', import.meta.url));

test('refuses to start without the operator key or a database, naming both, exit 2', async () => {
  const env = { ...process.env };
  delete env['SWITCHYARD_OPERATOR_KEY'];
  delete env['EDGE_OPERATOR_KEY'];
  delete env['LIBSQL_URL'];
  const err = await run(process.execPath, [tsx, main, 'dashboard', '--port', 'x'], { env }).then(
    () => null,
    (e: unknown) => e as { code?: number; stderr?: string },
  );
  expect(err?.code).toBe(2);
  expect(err?.stderr).toContain('SWITCHYARD_OPERATOR_KEY is required');
  expect(err?.stderr).toContain('--db (or LIBSQL_URL) is required');
  expect(err?.stderr).toContain('--port must be an integer');
}, 60_000);
