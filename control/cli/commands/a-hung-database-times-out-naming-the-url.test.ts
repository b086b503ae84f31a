/**
 * A libSQL server that accepts the connection and never answers ends a command after the
 * request timeout (SWITCHYARD_DB_TIMEOUT_MS, 30 s by default) with the URL tried (its token left
 * out), how long it waited and what to check, exit 1 as for a refused port. Before, the command
 * waited out undici's own 5 minutes without a word (over ws(s), forever). The CLI in-process
 * against a real socket.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

let server: Server;
const sockets = new Set<Socket>();
let accepted = 0;
let url = '';
beforeAll(async () => {
  // Accepts, reads and never writes a byte: a hung server, not a closed port.
  server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const env = { LIBSQL_AUTH_TOKEN: 'token-never-printed', SWITCHYARD_DB_URL: undefined, SWITCHYARD_DB_TIMEOUT_MS: '300ms' };

// ws(s) takes no fetch (the WebSocket transport): a server that accepts the socket and never
// answers the upgrade held the command forever until the client's calls got the same deadline.
test.each([
  ['http', ['status'], 'reading cluster status failed (unreachable)'],
  ['http', ['replay', '--app', 'acme/chat'], 'failed (unreachable)'],
  ['http', ['db', 'migrate'], 'migrating the database failed (unreachable)'],
  ['ws', ['status'], 'reading cluster status failed (unreachable)'],
  ['ws', ['replay', '--app', 'acme/chat'], 'failed (unreachable)'],
  ['ws', ['db', 'migrate'], 'migrating the database failed (unreachable)'],
])('switchyard over %s %j gives up after SWITCHYARD_DB_TIMEOUT_MS, naming the URL and what to check', async (scheme, args, action) => {
  const started = Date.now();
  const at = url.replace(/^http/, scheme);
  const r = await runCliInProcess([...args, '--db', `${at}?authToken=secret-in-url`], { env });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(action);
  expect(r.stderr).toContain(
    `cannot reach the database at ${at} (no answer within 300 ms): no answer in time: check that the server is up and that no firewall drops the connection; SWITCHYARD_DB_TIMEOUT_MS sets how long to wait`,
  );
  expect(r.stderr).not.toMatch(/token-never-printed|secret-in-url/);
  expect(Date.now() - started).toBeLessThan(5_000);
}, 10_000);

test('a SWITCHYARD_DB_TIMEOUT_MS that is no duration is refused before anything is opened', async () => {
  const before = accepted;
  const r = await runCliInProcess(['status', '--db', url], { env: { ...env, SWITCHYARD_DB_TIMEOUT_MS: 'soon' } });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain('SWITCHYARD_DB_TIMEOUT_MS="soon": expected a duration between 10ms and 1h');
  expect(accepted).toBe(before);
});
