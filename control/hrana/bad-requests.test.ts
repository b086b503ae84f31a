import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await server.stop();
});

const post = (path: string, body: string | Uint8Array): Promise<Response> =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

describe('garbage gets a 4xx JSON error and the server keeps serving', () => {
  test.each([
    {
      name: 'not JSON',
      path: '/v2/pipeline',
      body: '{"requests": [',
      status: 400,
      message: /not valid JSON/,
    },
    {
      name: 'binary noise',
      path: '/v3/pipeline',
      body: new Uint8Array([0xff, 0x00, 0x13, 0x37]),
      status: 400,
      message: /not valid JSON/,
    },
    {
      name: 'JSON array',
      path: '/v2/pipeline',
      body: '[]',
      status: 400,
      message: /Invalid pipeline request/,
    },
    {
      name: 'requests missing',
      path: '/v2/pipeline',
      body: '{}',
      status: 400,
      message: /requests/,
    },
    {
      name: 'unknown request type',
      path: '/v2/pipeline',
      body: '{"requests":[{"type":"drop_everything"}]}',
      status: 400,
      message: /requests\.0\.type/,
    },
    {
      name: 'wrong value shape',
      path: '/v2/pipeline',
      body: '{"requests":[{"type":"execute","stmt":{"sql":"SELECT ?","args":[{"type":"integer","value":12}]}}]}',
      status: 400,
      message: /args/,
    },
    {
      name: 'integer not decimal',
      path: '/v2/pipeline',
      body: '{"requests":[{"type":"execute","stmt":{"sql":"SELECT ?","args":[{"type":"integer","value":"1e3"}]}}]}',
      status: 400,
      message: /decimal/,
    },
    {
      name: 'unknown baton',
      path: '/v3/pipeline',
      body: '{"baton":"forged","requests":[]}',
      status: 400,
      message: /Unknown or expired baton/,
    },
    {
      name: 'bad cursor body',
      path: '/v3/cursor',
      body: '{"batch":{"steps":"no"}}',
      status: 400,
      message: /Invalid cursor request/,
    },
    { name: 'unknown path', path: '/v9/pipeline', body: '{}', status: 404, message: /No endpoint/ },
    {
      name: 'protobuf endpoint',
      path: '/v3-protobuf/pipeline',
      body: '{}',
      status: 404,
      message: /JSON only/,
    },
    {
      name: 'oversized body',
      path: '/v2/pipeline',
      body: JSON.stringify({
        requests: [{ type: 'execute', stmt: { sql: `SELECT '${'x'.repeat(70_000)}'` } }],
      }),
      status: 413,
      message: /exceeds the limit/,
    },
  ])('$name → $status', async ({ path, body, status, message }) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json');
    const json = (await res.json()) as { message: string; code: string };
    expect(json.message).toMatch(message);
    expect(typeof json.code).toBe('string');
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
  });

  test('wrong method is a 405', async () => {
    const res = await fetch(`${server.url}/v2/pipeline`);
    expect(res.status).toBe(405);
    await res.arrayBuffer();
  });

  test('a bad SQL id or condition inside a valid pipeline is a per-request error', async () => {
    const res = await post(
      '/v3/pipeline',
      JSON.stringify({
        requests: [
          { type: 'execute', stmt: { sql_id: 7 } },
          {
            type: 'batch',
            batch: { steps: [{ condition: { type: 'ok', step: 3 }, stmt: { sql: 'SELECT 1' } }] },
          },
          { type: 'execute', stmt: { sql: 'SELECT 1 AS one' } },
          { type: 'close' },
        ],
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      baton: string | null;
      results: Array<{ type: string; error?: { message: string } }>;
    };
    expect(body.baton).toBeNull();
    expect(body.results.map((r) => r.type)).toEqual(['error', 'error', 'ok', 'ok']);
    expect(body.results[0]?.error?.message).toMatch(/not stored/);
    expect(body.results[1]?.error?.message).toMatch(/step 3/);
  });

  test('the client still works after all of the above', async () => {
    const client = createClient({ url: server.url });
    const rs = await client.execute('SELECT 41 + 1 AS answer');
    expect(rs.rows[0]?.answer).toBe(42);
    client.close();
  });
});
