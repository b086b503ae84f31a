import { createClient, LibsqlError } from '@libsql/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ streamIdleMs: 200 });
});
afterAll(async () => {
  await server.stop();
});

test('an idle transaction expires: the next statement fails clearly and its writes are rolled back', async () => {
  const client = createClient({ url: server.url });
  await client.execute('CREATE TABLE e (x INTEGER)');
  const tx = await client.transaction('write');
  await tx.execute('INSERT INTO e VALUES (1)');
  await new Promise((resolve) => setTimeout(resolve, 600));
  const err = await tx.execute('INSERT INTO e VALUES (2)').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LibsqlError);
  expect((err as LibsqlError).code).toBe('STREAM_EXPIRED');
  expect((err as LibsqlError).message).toMatch(/expired baton/);
  tx.close();
  // The expired stream released its write lock, so others can write at once.
  await client.execute('INSERT INTO e VALUES (3)');
  const rs = await client.execute('SELECT x FROM e');
  expect(rs.rows.map((r) => r.x)).toEqual([3]);
  client.close();
});

test('a baton is single-use: replaying it is refused', async () => {
  const first = await fetch(`${server.url}/v3/pipeline`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ requests: [{ type: 'execute', stmt: { sql: 'SELECT 1' } }] }),
  });
  const { baton } = (await first.json()) as { baton: string };
  expect(typeof baton).toBe('string');
  const second = await fetch(`${server.url}/v3/pipeline`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ baton, requests: [{ type: 'get_autocommit' }] }),
  });
  const body = (await second.json()) as { baton: string; results: unknown[] };
  expect(body.results).toEqual([
    { type: 'ok', response: { type: 'get_autocommit', is_autocommit: true } },
  ]);
  expect(body.baton).not.toBe(baton);
  const replay = await fetch(`${server.url}/v3/pipeline`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ baton, requests: [{ type: 'close' }] }),
  });
  expect(replay.status).toBe(400);
  expect(await replay.json()).toMatchObject({ code: 'STREAM_EXPIRED' });
});
