/**
 * A libSQL server nobody listens on is reported with the URL tried (its token left out), why
 * (ECONNREFUSED) and what to check, by every command through the store's one rule
 * (shared/errors/database-unreachable.ts → control/store/errors.ts): the proxy's start said only
 * "switchyard: fetch failed", the others "fetch failed: connect ECONNREFUSED 127.0.0.1:…" with no
 * URL. Exit 1: the command ran and failed. The CLI in-process against a real closed port.
 * `ws://` / `wss://` URLs say the same: the WebSocket transport does not go through fetch, so
 * they said only "HRANA_WEBSOCKET_ERROR: connect ECONNREFUSED 127.0.0.1:…", naming no database.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
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
const demoConfig = fileURLToPath(new URL('../../../examples/demo.yaml', import.meta.url));
const env = { LIBSQL_AUTH_TOKEN: 'token-never-printed', SWITCHYARD_DB_URL: undefined };

const proxyArgs = ['proxy', '--id', 'p1', '--region', 'eu', '--port', '0', '--auth-disabled', '--workers', '1'];

test.each([
  ['http', ['status'], 'reading cluster status failed (unreachable)'],
  ['http', ['replay', '--app', 'acme/chat'], 'failed (unreachable)'],
  ['http', ['apply', '-f', demoConfig], 'migrating the database failed (unreachable)'],
  ['http', ['db', 'migrate'], 'migrating the database failed (unreachable)'],
  // A process of its own: its listeners close after the failed start has been reported.
  ['http', proxyArgs, 'proxy failed (unreachable)'],
  ['ws', ['status'], 'reading cluster status failed (unreachable)'],
  ['wss', ['status'], 'reading cluster status failed (unreachable)'],
  ['ws', ['db', 'migrate'], 'migrating the database failed (unreachable)'],
  ['ws', ['replay', '--app', 'acme/chat'], 'failed (unreachable)'],
  // Its own client (proxy/src/store-client.ts).
  ['ws', proxyArgs, 'proxy failed (unreachable)'],
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
}, 60_000);
