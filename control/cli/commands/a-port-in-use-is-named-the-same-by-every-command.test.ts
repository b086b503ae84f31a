/**
 * A control-plane command whose port is taken fails its start with the proxy's wording: the
 * listener, the address, the cause and the flag that chooses another port. They printed Node's bare
 * `listen EADDRINUSE: address already in use 127.0.0.1:<port>` (new-user finding N5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { migrate } from '../../store/migrate.ts';
import { openStore } from '../../store/open-store.ts';
import { runCli } from '../run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-port-in-use-'));
const db = `file:${join(dir, 'sy.db')}`;
let holder: Server;
let port = 0;

beforeAll(async () => {
  const store = openStore({ url: db });
  await migrate(store.client);
  store.close();
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  port = (holder.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => holder.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test.each([
  ['dashboard', 'the dashboard', () => ['dashboard', '--db', db, '--port', String(port)], '--port (SWITCHYARD_DASHBOARD_PORT)'],
  ['libsql-server', 'the libSQL server', () => ['libsql-server', '--db', join(dir, 'sy.db'), '--port', String(port)], '--port'],
  ['otlp-receiver', 'the OTLP receiver', () => ['otlp-receiver', '--db', db, '--port', String(port)], '--port'],
])('%s', async (_command, listener, args, flag) => {
  const r = await runCli(args(), { env: { SWITCHYARD_OPERATOR_KEY: 'an-operator-key-of-enough-length', LIBSQL_URL: undefined } });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain(`${listener} cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE); stop what holds it or choose another with ${flag}`);
});
