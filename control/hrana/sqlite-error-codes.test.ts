import { createClient, LibsqlError, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer();
  client = createClient({ url: server.url });
  await client.executeMultiple(`
    CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
    INSERT INTO parent VALUES (1, 'x');
  `);
});
afterAll(async () => {
  client.close();
  await server.stop();
});

describe('SQL errors arrive as LibsqlError with SQLite codes', () => {
  test.each([
    {
      name: 'unique constraint',
      sql: "INSERT INTO parent VALUES (2, 'x')",
      code: 'SQLITE_CONSTRAINT',
      message: /UNIQUE constraint failed/,
    },
    {
      name: 'not null constraint',
      sql: 'INSERT INTO parent VALUES (3, NULL)',
      code: 'SQLITE_CONSTRAINT',
      message: /NOT NULL/,
    },
    {
      name: 'primary key constraint',
      sql: "INSERT INTO parent VALUES (1, 'y')",
      code: 'SQLITE_CONSTRAINT',
      message: /UNIQUE|PRIMARY/,
    },
    { name: 'syntax error', sql: 'SELEC 1', code: 'SQLITE_ERROR', message: /syntax error/ },
    {
      name: 'missing table',
      sql: 'SELECT * FROM nope',
      code: 'SQLITE_ERROR',
      message: /no such table/,
    },
    {
      name: 'integer overflow',
      sql: 'SELECT abs(-9223372036854775808)',
      code: 'SQLITE_ERROR',
      message: /integer overflow/,
    },
  ])('$name', async ({ sql, code, message }) => {
    const err = await client.execute(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibsqlError);
    expect((err as LibsqlError).code).toBe(code);
    expect((err as LibsqlError).message).toMatch(message);
  });

  test('an unknown named argument is a clear client error, not a crash', async () => {
    const err = await client.execute({ sql: 'SELECT :a', args: { b: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibsqlError);
    expect((err as LibsqlError).code).toBe('HRANA_PROTO_ERROR');
    expect((err as LibsqlError).message).toMatch(/no parameter named "b"/);
    const ok = await client.execute('SELECT 1 AS one');
    expect(ok.rows[0]?.one).toBe(1);
  });
});
