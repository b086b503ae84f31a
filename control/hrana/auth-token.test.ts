import { createClient, LibsqlError } from '@libsql/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
const token = 'local-secret-token';

beforeAll(async () => {
  server = await startTestServer({ authToken: token });
});
afterAll(async () => {
  await server.stop();
});

test('the right token works', async () => {
  const client = createClient({ url: server.url, authToken: token });
  const rs = await client.execute('SELECT 1 AS ok');
  expect(rs.rows[0]?.ok).toBe(1);
  client.close();
});

test.each([
  { name: 'wrong token', authToken: 'nope' as string | undefined, message: /Invalid auth token/ },
  {
    name: 'token with a matching prefix',
    authToken: `${token}x` as string | undefined,
    message: /Invalid auth token/,
  },
  { name: 'missing token', authToken: undefined, message: /Missing Authorization/ },
])('$name is refused with UNAUTHORIZED', async ({ authToken, message }) => {
  const client = createClient({
    url: server.url,
    ...(authToken === undefined ? {} : { authToken }),
  });
  const err = await client.execute('SELECT 1').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LibsqlError);
  expect((err as LibsqlError).code).toBe('UNAUTHORIZED');
  expect((err as LibsqlError).message).toMatch(message);
  client.close();
});

test('raw requests get a 401 JSON body; health stays open', async () => {
  const res = await fetch(`${server.url}/v2/pipeline`, {
    method: 'POST',
    headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
    body: '{"requests":[]}',
  });
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
});
