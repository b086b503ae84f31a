import { createClient, LibsqlError, type Client } from '@libsql/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer();
  client = createClient({ url: server.url });
  await client.execute(
    'CREATE TABLE acct (name TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))',
  );
  await client.execute("INSERT INTO acct VALUES ('a', 100), ('b', 0)");
});
afterAll(async () => {
  client.close();
  await server.stop();
});

const balances = async (): Promise<Record<string, unknown>> => {
  const rs = await client.execute('SELECT name, balance FROM acct ORDER BY name');
  return Object.fromEntries(rs.rows.map((r) => [r.name, r.balance]));
};

test('a successful batch applies every statement and returns each result', async () => {
  const results = await client.batch(
    [
      { sql: "UPDATE acct SET balance = balance - 30 WHERE name = 'a'", args: [] },
      { sql: "UPDATE acct SET balance = balance + 30 WHERE name = 'b'", args: [] },
      'SELECT sum(balance) AS total FROM acct',
    ],
    'write',
  );
  expect(results).toHaveLength(3);
  expect(results[0]?.rowsAffected).toBe(1);
  expect(results[2]?.rows[0]?.total).toBe(100);
  expect(await balances()).toEqual({ a: 70, b: 30 });
});

test('a failing statement rolls the whole batch back', async () => {
  const err = await client
    .batch(
      [
        "UPDATE acct SET balance = balance + 1000 WHERE name = 'b'",
        "UPDATE acct SET balance = balance - 1000 WHERE name = 'a'", // violates CHECK
        "INSERT INTO acct VALUES ('c', 1)",
      ],
      'write',
    )
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LibsqlError);
  expect((err as LibsqlError).code).toBe('SQLITE_CONSTRAINT');
  expect(await balances()).toEqual({ a: 70, b: 30 });
});

test('a batch with a syntax error in the middle leaves no trace', async () => {
  await expect(
    client.batch(["INSERT INTO acct VALUES ('d', 5)", 'INSRT INTO acct VALUES (1)'], 'write'),
  ).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
  expect(await balances()).toEqual({ a: 70, b: 30 });
});

test('migrate() runs a schema batch atomically', async () => {
  await client.migrate([
    { sql: 'CREATE TABLE m1 (x INTEGER)', args: [] },
    { sql: 'INSERT INTO m1 VALUES (1)', args: [] },
  ]);
  const rs = await client.execute('SELECT count(*) AS c FROM m1');
  expect(rs.rows[0]?.c).toBe(1);
});
