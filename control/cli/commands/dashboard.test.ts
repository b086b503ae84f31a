/** `switchyard dashboard`, in-process (run-cli-in-process.ts): bad settings are a startup error naming each one. */
import { expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

test('refuses to start without the operator key or a database, naming both, exit 2', async () => {
  const env = { SWITCHYARD_OPERATOR_KEY: undefined, EDGE_OPERATOR_KEY: undefined, LIBSQL_URL: undefined };
  const r = await runCliInProcess(['dashboard', '--port', 'x'], { env });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('SWITCHYARD_OPERATOR_KEY is required');
  expect(r.stderr).toContain('--db (or LIBSQL_URL) is required');
  expect(r.stderr).toContain('--port must be an integer');
}, 60_000);
