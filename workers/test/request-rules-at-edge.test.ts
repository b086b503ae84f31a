/**
 * An app's request rules at the edge, before any decision or upstream contact: only declared
 * functions (a replica's `_control`, `metrics`, `health` are unreachable), canonical paths only
 * (400, never a 500 or a wildcard token), bodies within the app's limit (413), credentials
 * stopped here unless the app forwards them, and the query passed on byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { call } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

interface Echo {
  readonly path: string;
  readonly rawUrl: string;
  readonly headers: Record<string, string>;
}

async function code(res: Response): Promise<string> {
  return ((await res.json()) as ErrorJson).error.code;
}

describe('request rules at the edge', () => {
  it.each(['_control', 'metrics', 'health', 'v1'])('an undeclared function (%s) is a 404', async (fn) => {
    const res = await call(`/v4/acme/strict/${fn}`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('unknown-function');
    // Admission runs before auth: an anonymous caller must not learn the app's function list.
    expect(body.error.message).not.toMatch(/declared functions|v1\/models/);
  });

  it('a declared function is forwarded', async () => {
    const res = await call('/v4/acme/strict/v1/models');
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).path).toBe('/v4/acme/strict/v1/models');
  });

  it.each([
    '/v4/%zz/a/b',
    '/v4/acme/chat/v1/%zz',
    '/token/v4/acme/chat/*',
    '/v4/acme/chat/v1/..%2F_control',
    '/v4/acme/chat/v1/a%5Cb',
    '/v4/acme/chat/v1//x',
  ])('%s is a 400 bad-path', async (path) => {
    const res = await call(path);
    expect(res.status).toBe(400);
    expect(await code(res)).toBe('bad-path');
  });

  it('a body over the app limit is a 413 before any upstream contact', async () => {
    const res = await call('/v4/acme/strict/v1/chat/completions', {
      init: { method: 'POST', body: 'x'.repeat(2048), headers: { 'content-length': '2048' } },
    });
    expect(res.status).toBe(413);
    expect(await code(res)).toBe('body-too-large');
  });

  it('a body within the limit is forwarded', async () => {
    const res = await call('/v4/acme/strict/v1/chat/completions', { init: { method: 'POST', body: 'x'.repeat(512) } });
    expect(res.status).toBe(200);
  });

  it.each([
    ['chat', false],
    ['creds', true],
  ])('credentials reach the replica of %s: %s', async (app, forwarded) => {
    const res = await call(`/v4/acme/${app}/v1/echo`, { init: { headers: { cookie: 'session=1' } } });
    const echo = (await res.json()) as Echo;
    expect(echo.headers['authorization'] !== undefined).toBe(forwarded);
    expect(echo.headers['cookie'] !== undefined).toBe(forwarded);
    expect(echo.headers['x-switchyard-token']).toBeDefined();
  });

  it('the query reaches the proxy raw, only sy_* removed', async () => {
    const res = await call('/v4/acme/chat/v1/echo?flag&sig=a~b+c%2F&sy_mode=forward');
    expect(((await res.json()) as Echo).rawUrl).toBe('/v4/acme/chat/v1/echo?flag&sig=a~b+c%2F');
  });
});
