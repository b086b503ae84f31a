import { describe, expect, it } from 'vitest';
import { call } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

describe('invalid environment', () => {
  it.each([
    [{ EDGE_TOKEN_TTL_SECONDS: '900' }, ['EDGE_TOKEN_TTL_SECONDS']],
    [{ EDGE_ANSWER_MODE: 'teleport', EDGE_AUTH: 'maybe' }, ['EDGE_ANSWER_MODE', 'EDGE_AUTH']],
    [{ ROUTE_STALE_HARD: 'soon', ROUTE_PANIC: 'always' }, ['ROUTE_STALE_HARD', 'ROUTE_PANIC']],
    [{ EDGE_REFRESH_MS: '5000', EDGE_STALE_SNAPSHOT_MS: '1000' }, ['EDGE_STALE_SNAPSHOT_MS']],
    [{ TOKEN_SIGNING_KEY: '{"kty":"oct"}' }, ['TOKEN_SIGNING_KEY']],
    [{ LIBSQL_URL: '' }, ['LIBSQL_URL']],
    [{ LIBSQL_URL: 'ftp://db.internal/?authToken=s3cret-db-token' }, ['LIBSQL_URL']],
    [{ EDGE_OPERATOR_KEY: 'short' }, ['EDGE_OPERATOR_KEY']],
    [{ EDGE_RETRY_BUFFER_BYTES: '128MB' }, ['EDGE_RETRY_BUFFER_BYTES']],
    [{ EDGE_RETRY_BUFFER_BYTES: '200000000' }, ['EDGE_RETRY_BUFFER_BYTES']],
  ])('%j → 500 naming %j', async (env, names) => {
    const res = await call('/v4/acme/chat/generate', { env });
    expect(res.status).toBe(500);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('bad-config');
    for (const n of names) expect(body.error.message).toContain(n);
    expect(JSON.stringify(body)).not.toContain('"d":'); // never echoes the private key
    // Names only, never values: a value may carry a secret (LIBSQL_URL?authToken=...).
    for (const v of Object.values(env)) if (v !== '') expect(JSON.stringify(body)).not.toContain(v);
  });
});
