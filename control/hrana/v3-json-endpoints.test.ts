import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

// @libsql/client 0.18 only uses v2/pipeline; v3 JSON (get_autocommit,
// is_autocommit, cursor, describe) is exercised with plain fetch per the spec.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

const post = async (path: string, body: unknown): Promise<Response> =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('version probes: v2 and v3 JSON yes, protobuf no (so clients fall back to JSON)', async () => {
  expect((await fetch(`${server.url}/v2`)).status).toBe(200);
  expect((await fetch(`${server.url}/v3`)).status).toBe(200);
  expect((await fetch(`${server.url}/v3-protobuf`)).status).toBe(404);
});

test('store_sql, describe, is_autocommit conditions and get_autocommit on one stream', async () => {
  const res = await post('/v3/pipeline', {
    requests: [
      { type: 'sequence', sql: 'CREATE TABLE d (id INTEGER PRIMARY KEY, name TEXT)' },
      { type: 'store_sql', sql_id: 1, sql: 'INSERT INTO d (name) VALUES (:name)' },
      { type: 'describe', sql: 'SELECT id, name AS n FROM d WHERE id = ?1 OR name = :nm' },
      {
        type: 'batch',
        batch: {
          steps: [
            { stmt: { sql: 'BEGIN' } },
            {
              condition: { type: 'not', cond: { type: 'is_autocommit' } },
              stmt: {
                sql_id: 1,
                named_args: [{ name: 'name', value: { type: 'text', value: 'x' } }],
              },
            },
            {
              condition: {
                type: 'and',
                conds: [{ type: 'ok', step: 1 }, { type: 'is_autocommit' }],
              },
              stmt: { sql: 'SELECT 1' },
            },
            {
              condition: {
                type: 'or',
                conds: [
                  { type: 'error', step: 1 },
                  { type: 'ok', step: 0 },
                ],
              },
              stmt: { sql: 'SELECT count(*) FROM d', want_rows: false },
            },
          ],
        },
      },
      { type: 'get_autocommit' },
      { type: 'execute', stmt: { sql: 'COMMIT' } },
      { type: 'get_autocommit' },
      { type: 'close_sql', sql_id: 1 },
    ],
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    baton: string;
    results: Array<{ type: string; response: Record<string, unknown> }>;
  };
  expect(body.results.every((r) => r.type === 'ok')).toBe(true);
  expect(body.results[2]?.response.result).toEqual({
    params: [{ name: '?1' }, { name: ':nm' }],
    cols: [
      { name: 'id', decltype: 'INTEGER' },
      { name: 'n', decltype: 'TEXT' },
    ],
    is_explain: false,
    is_readonly: true,
  });
  const batch = body.results[3]?.response.result as {
    step_results: Array<{ rows: unknown[]; affected_row_count: number } | null>;
    step_errors: unknown[];
  };
  expect(batch.step_results.map((r) => r !== null)).toEqual([true, true, false, true]);
  expect(batch.step_results[1]?.affected_row_count).toBe(1);
  expect(batch.step_results[3]?.rows).toEqual([]);
  expect(batch.step_errors).toEqual([null, null, null, null]);
  expect(body.results[4]?.response).toEqual({ type: 'get_autocommit', is_autocommit: false });
  expect(body.results[6]?.response).toEqual({ type: 'get_autocommit', is_autocommit: true });
  await post('/v3/pipeline', { baton: body.baton, requests: [{ type: 'close' }] });
});

test('v3/cursor streams step entries as JSON lines and keeps the stream', async () => {
  const res = await post('/v3/cursor', {
    batch: {
      steps: [
        { stmt: { sql: "SELECT 'a' AS v UNION ALL SELECT 'b'" } },
        { stmt: { sql: 'SELECT * FROM missing' } },
        { condition: { type: 'ok', step: 1 }, stmt: { sql: 'SELECT 1' } },
        {
          stmt: {
            sql: 'SELECT ? AS big',
            args: [{ type: 'integer', value: '9223372036854775807' }],
          },
        },
      ],
    },
  });
  expect(res.status).toBe(200);
  const lines = (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const head = lines[0] as { baton: string | null };
  expect(typeof head.baton).toBe('string');
  expect(lines.slice(1).map((e) => e.type)).toEqual([
    'step_begin',
    'row',
    'row',
    'step_end',
    'step_error',
    'step_begin',
    'row',
    'step_end',
  ]);
  expect(lines[2]).toEqual({ type: 'row', row: [{ type: 'text', value: 'a' }] });
  expect(lines[5]).toMatchObject({ type: 'step_error', step: 1, error: { code: 'SQLITE_ERROR' } });
  expect(lines[7]).toEqual({
    type: 'row',
    row: [{ type: 'integer', value: '9223372036854775807' }],
  });
  const close = await post('/v3/pipeline', { baton: head.baton, requests: [{ type: 'close' }] });
  expect(((await close.json()) as { baton: unknown }).baton).toBeNull();
});
