/**
 * A `ws://` / `wss://` libSQL URL nobody listens on is reported as an http(s) one is: the URL
 * tried (its token left out), ECONNREFUSED and what to check. The WebSocket transport does not
 * go through fetch, so it said only "HRANA_WEBSOCKET_ERROR: connect ECONNREFUSED 127.0.0.1:…",
 * naming no database. Exit 1. The CLI (in-process; the proxy as a process) against a real closed port.
 */
import { createServer } from 'node:net';
import { beforeAll, expect, test } from 'vitest';
import { runCli } from '../run-cli.ts';
import { runCliInProcess } from '../run-cli-in-process.ts';

let port = 0;
beforeAll(async () => {
  // Reserve a free loopback port, then close it so connections to it are refused.
  port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
});
const env = { LIBSQL_AUTH_TOKEN: 'token-never-printed', SWITCHYARD_DB_URL: undefined };

test.each([
  ['ws', ['status'], 'reading cluster status failed (unreachable)'],
  ['wss', ['status'], 'reading cluster status failed (unreachable)'],
  ['ws', ['db', 'migrate'], 'migrating the database failed (unreachable)'],
  ['ws', ['replay', '--app', 'acme/chat'], 'failed (unreachable)'],
  // A process of its own, with its own client (proxy/src/store-client.ts).
  ['ws', ['proxy', '--id', 'p1', '--region', 'eu', '--port', '0', '--auth-disabled', '--workers', '1'], 'proxy failed (unreachable)'],
])('%s: switchyard %j names the URL, ECONNREFUSED and what to check', async (scheme, args, action) => {
  const url = `${scheme}://127.0.0.1:${port}`;
  const run = args[0] === 'proxy' ? runCli : runCliInProcess;
  const r = await run([...args, '--db', `${url}?authToken=secret-in-url`], { env });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(action);
  expect(r.stderr).toContain(
    `cannot reach the database at ${url} (ECONNREFUSED): nothing listens there: start the database server (e.g. \`switchyard libsql-server\`) or fix the host and port`,
  );
  expect(r.stderr).not.toMatch(/token-never-printed|secret-in-url/);
}, 30_000);
