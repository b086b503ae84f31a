import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer();
  client = createClient({ url: server.url, intMode: 'bigint' });
  await client.execute(
    'CREATE TABLE v (id INTEGER PRIMARY KEY, i INTEGER, f REAL, t TEXT, b BLOB, n ANY)',
  );
});
afterAll(async () => {
  client.close();
  await server.stop();
});

describe('value types round-trip through @libsql/client over HTTP', () => {
  test.each([
    { name: 'small integer', value: 42n, type: 'i' },
    { name: 'negative integer', value: -7n, type: 'i' },
    { name: 'integer above 2^53', value: 9007199254740993n, type: 'i' },
    { name: 'int64 max', value: 9223372036854775807n, type: 'i' },
    { name: 'int64 min', value: -9223372036854775808n, type: 'i' },
    { name: 'float', value: 3.25, type: 'f' },
    { name: 'tiny float', value: 1e-300, type: 'f' },
    { name: 'text', value: 'hello', type: 't' },
    { name: 'unicode text', value: 'Grüße, 世界 🚀 \t\n"quoted"', type: 't' },
    { name: 'empty text', value: '', type: 't' },
    { name: 'blob', value: new Uint8Array([0, 1, 2, 254, 255]), type: 'b' },
    { name: 'empty blob', value: new Uint8Array([]), type: 'b' },
    { name: 'null', value: null, type: 'n' },
  ])('$name', async ({ value, type }) => {
    const ins = await client.execute({ sql: `INSERT INTO v (${type}) VALUES (?)`, args: [value] });
    expect(ins.rowsAffected).toBe(1);
    const id = ins.lastInsertRowid;
    expect(typeof id).toBe('bigint');
    const rs = await client.execute({
      sql: `SELECT ${type} AS x, typeof(${type}) AS ty FROM v WHERE id = ?`,
      args: [id ?? null],
    });
    expect(rs.rows).toHaveLength(1);
    const got = rs.rows[0]?.x;
    if (value instanceof Uint8Array) {
      expect(got).toBeInstanceOf(ArrayBuffer);
      expect(new Uint8Array(got as ArrayBuffer)).toEqual(value);
      expect(rs.rows[0]?.ty).toBe('blob');
    } else {
      expect(got).toEqual(value);
    }
  });

  test('named arguments with and without prefix', async () => {
    const rs = await client.execute({
      sql: 'SELECT :a AS a, @b AS b, $c AS c, :a + 1 AS a1',
      args: { a: 1n, '@b': 'two', c: null },
    });
    expect(rs.rows[0]).toMatchObject({ a: 1n, b: 'two', c: null, a1: 2n });
  });

  test('columns carry names and declared types', async () => {
    const rs = await client.execute('SELECT id, i, f, t, b, 1 AS lit FROM v LIMIT 1');
    expect(rs.columns).toEqual(['id', 'i', 'f', 't', 'b', 'lit']);
    expect(rs.columnTypes).toEqual(['INTEGER', 'INTEGER', 'REAL', 'TEXT', 'BLOB', '']);
  });

  test('rowsAffected and lastInsertRowid for writes; zero rowsAffected for reads', async () => {
    await client.execute('INSERT INTO v (id, i) VALUES (9007199254740995, 1)');
    const last = await client.execute('INSERT INTO v (id, i) VALUES (9007199254740997, 1)');
    expect(last.lastInsertRowid).toBe(9007199254740997n);
    const upd = await client.execute('UPDATE v SET i = 2 WHERE i = 1');
    expect(upd.rowsAffected).toBe(2);
    const sel = await client.execute('SELECT count(*) AS c FROM v');
    expect(sel.rowsAffected).toBe(0);
    const ret = await client.execute('DELETE FROM v WHERE i = 2 RETURNING id');
    expect(ret.rowsAffected).toBe(2);
    expect(ret.rows.map((r) => r.id)).toEqual([9007199254740995n, 9007199254740997n]);
  });
});
