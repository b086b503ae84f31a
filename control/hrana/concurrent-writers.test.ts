import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
let clients: Client[];

beforeAll(async () => {
  // Correctness of serialisation is the point here, not the 5 s default busy timeout: 20 queued
  // interactive transactions of several round trips each can outwait it on a loaded CI machine.
  server = await startTestServer({ busyTimeoutMs: 60_000 });
  clients = Array.from({ length: 20 }, () => createClient({ url: server.url }));
  await clients[0]?.execute('CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
  await clients[0]?.execute('INSERT INTO counter VALUES (1, 0)');
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.stop();
});

const read = async (): Promise<unknown> =>
  (await clients[0]?.execute('SELECT n FROM counter WHERE id = 1'))?.rows[0]?.n;

test('20 parallel writers incrementing in autocommit lose no update', async () => {
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < 10; i++) await c.execute('UPDATE counter SET n = n + 1 WHERE id = 1');
    }),
  );
  expect(await read()).toBe(200);
});

test('20 parallel read-modify-write transactions serialise correctly', async () => {
  await clients[0]?.execute('UPDATE counter SET n = 0 WHERE id = 1');
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < 3; i++) {
        // Reads then writes across several HTTP requests: only correct if each
        // transaction holds the write lock and the others wait for it.
        const tx = await c.transaction('write');
        const rs = await tx.execute('SELECT n FROM counter WHERE id = 1');
        const n = Number(rs.rows[0]?.n);
        await tx.execute({ sql: 'UPDATE counter SET n = ? WHERE id = 1', args: [n + 1] });
        await tx.commit();
      }
    }),
  );
  expect(await read()).toBe(60);
});

test('parallel batches on separate streams stay atomic', async () => {
  await clients[0]?.execute('CREATE TABLE pairs (k INTEGER, side TEXT)');
  await Promise.all(
    clients.map((c, k) =>
      c.batch(
        [
          { sql: "INSERT INTO pairs VALUES (?, 'left')", args: [k] },
          { sql: "INSERT INTO pairs VALUES (?, 'right')", args: [k] },
        ],
        'write',
      ),
    ),
  );
  const rs = await clients[0]?.execute(
    'SELECT k, count(*) AS c FROM pairs GROUP BY k HAVING c != 2',
  );
  expect(rs?.rows).toEqual([]);
  const total = await clients[0]?.execute('SELECT count(*) AS c FROM pairs');
  expect(total?.rows[0]?.c).toBe(40);
});
