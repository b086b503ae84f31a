import { describe, expect, it } from 'vitest';
import { call, fixtures } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

const TOKEN = { init: { headers: { 'x-switchyard-mode': 'token' } } };

describe('API keys', () => {
  it.each([
    ['missing', null, 401, 'missing-key'],
    ['unknown', 'sk_not_a_real_key', 401, 'unknown-key'],
    ['other project', fixtures.keys.other, 403, 'wrong-project'],
    ['revoked', fixtures.keys.revoked, 403, 'revoked-key'],
  ])('%s key → %i %s', async (_name, key, status, code) => {
    const res = await call('/v4/acme/chat/generate', { ...TOKEN, key });
    expect(res.status).toBe(status);
    expect(((await res.json()) as ErrorJson).error.code).toBe(code);
  });

  it('accepts the project key', async () => {
    const res = await call('/v4/acme/chat/generate', TOKEN);
    expect(res.status).toBe(200);
  });

  it('lets anyone call an app with authRequired = false', async () => {
    const res = await call('/v4/acme/open/generate', { ...TOKEN, key: null });
    expect(res.status).toBe(200);
  });

  it('skips keys entirely only when EDGE_AUTH=off is explicit', async () => {
    const res = await call('/v4/acme/chat/generate', { ...TOKEN, key: null, env: { EDGE_AUTH: 'off' } });
    expect(res.status).toBe(200);
  });
});
