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
let stalling: Server;
const sockets = new Set<Socket>();
let accepted = 0;
let url = '';
let stallingUrl = '';

async function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; url: string }> {
  const s = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  return { server: s, url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` };
}

beforeAll(async () => {
  // Accepts, reads and never writes a byte: a hung server, not a closed port.
  ({ server, url } = await listen(() => accepted++));
  // Answers every request with its headers and the first bytes of a body it never finishes.
  ({ server: stalling, url: stallingUrl } = await listen((socket) => {
    socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"base'));
  }));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([server, stalling].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
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

// The headers came, the body stalled: the abort ended the command with its bare "The operation
// was aborted due to timeout" until the body was read inside the same deadline.
test.each([[['status']], [['db', 'migrate']]])('switchyard %j against a server that stalls after its headers says the same', async (args) => {
  const r = await runCliInProcess([...args, '--db', stallingUrl], { env });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(`cannot reach the database at ${stallingUrl} (no answer within 300 ms): no answer in time`);
}, 10_000);

test('a SWITCHYARD_DB_TIMEOUT_MS that is no duration is refused before anything is opened', async () => {
  const before = accepted;
  const r = await runCliInProcess(['status', '--db', url], { env: { ...env, SWITCHYARD_DB_TIMEOUT_MS: 'soon' } });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain('SWITCHYARD_DB_TIMEOUT_MS="soon": expected a duration between 10ms and 1h');
  expect(accepted).toBe(before);
});
