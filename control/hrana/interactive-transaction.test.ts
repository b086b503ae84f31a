import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
let client: Client;
let other: Client;

beforeAll(async () => {
  server = await startTestServer();
  client = createClient({ url: server.url });
  other = createClient({ url: server.url });
  await client.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT)');
});
afterAll(async () => {
  client.close();
  other.close();
  await server.stop();
});

const count = async (c: Client): Promise<unknown> =>
  (await c.execute('SELECT count(*) AS n FROM items')).rows[0]?.n;

test('a write transaction spans requests and is invisible to others until commit', async () => {
  const tx = await client.transaction('write');
  await tx.execute("INSERT INTO items (label) VALUES ('one')");
  // Each execute is its own HTTP request; the stream keeps the transaction open.
  const inside = await tx.execute('SELECT count(*) AS n FROM items');
  expect(inside.rows[0]?.n).toBe(1);
  expect(await count(other)).toBe(0);
  await tx.execute("INSERT INTO items (label) VALUES ('two')");
  await tx.commit();
  expect(await count(other)).toBe(2);
});

test('rollback discards every statement of the transaction', async () => {
  const tx = await client.transaction('write');
  await tx.execute("INSERT INTO items (label) VALUES ('three')");
  await tx.batch([
    "INSERT INTO items (label) VALUES ('four')",
    "DELETE FROM items WHERE label = 'one'",
  ]);
  await tx.rollback();
  expect(await count(client)).toBe(2);
});

test('a second writer waits for the first transaction instead of failing', async () => {
  const tx = await client.transaction('write');
  await tx.execute("INSERT INTO items (label) VALUES ('held')");
  const waiting = other.execute("INSERT INTO items (label) VALUES ('after')");
  await new Promise((resolve) => setTimeout(resolve, 50));
  await tx.commit();
  await waiting;
  const rs = await client.execute('SELECT label FROM items ORDER BY id');
  expect(rs.rows.map((r) => r.label)).toEqual(['one', 'two', 'held', 'after']);
});

test('a failed statement inside a transaction does not end it', async () => {
  const tx = await client.transaction('write');
  await tx.execute("INSERT INTO items (label) VALUES ('kept')");
  await expect(tx.execute('SELECT * FROM no_such_table')).rejects.toMatchObject({
    code: 'SQLITE_ERROR',
  });
  await tx.commit();
  const rs = await client.execute("SELECT count(*) AS n FROM items WHERE label = 'kept'");
  expect(rs.rows[0]?.n).toBe(1);
});
