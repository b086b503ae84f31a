import { createClient, LibsqlError, type Client } from '@libsql/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer();
  client = createClient({ url: server.url });
});
afterAll(async () => {
  client.close();
  await server.stop();
});

test('executeMultiple runs a migration script of several statements', async () => {
  await client.executeMultiple(`
    -- a migration as a store runner would send it
    CREATE TABLE apps (id TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE INDEX apps_name ON apps (name);
    INSERT INTO apps VALUES ('a1', 'llama; "quoted"');
    CREATE TRIGGER apps_upper AFTER INSERT ON apps BEGIN
      UPDATE apps SET name = upper(name) WHERE id = new.id;
    END;
    INSERT INTO apps VALUES ('a2', 'mistral');
  `);
  const rs = await client.execute('SELECT id, name FROM apps ORDER BY id');
  expect(rs.rows.map((r) => [r.id, r.name])).toEqual([
    ['a1', 'llama; "quoted"'],
    ['a2', 'MISTRAL'],
  ]);
});

test('executeMultiple stops at the first failing statement and reports it', async () => {
  const err = await client
    .executeMultiple('CREATE TABLE s1 (x); INSERT INTO nowhere VALUES (1); CREATE TABLE s2 (x);')
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LibsqlError);
  expect((err as LibsqlError).code).toBe('SQLITE_ERROR');
  const rs = await client.execute(
    "SELECT name FROM sqlite_master WHERE name IN ('s1', 's2') ORDER BY name",
  );
  expect(rs.rows.map((r) => r.name)).toEqual(['s1']);
});

test('executeMultiple inside a transaction is rolled back with it', async () => {
  const tx = await client.transaction('write');
  await tx.executeMultiple('CREATE TABLE t1 (x); INSERT INTO t1 VALUES (1);');
  await tx.rollback();
  const rs = await client.execute("SELECT count(*) AS n FROM sqlite_master WHERE name = 't1'");
  expect(rs.rows[0]?.n).toBe(0);
});
