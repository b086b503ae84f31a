import { describe, expect, it } from 'vitest';
import { APP, chatBody, rawRequest } from './harness.ts';
import { useSignedProxy } from './signed-proxy-fixture.ts';

describe('refused tokens never reach the upstream', () => {
  const f = useSignedProxy();

  it.each([
    ['missing', async () => null, 401, 'token-missing'],
    ['forged (right kid, wrong key)', async () => f.keys.forge(), 401, 'token-bad-signature'],
    [
      'expired',
      async () => f.keys.mint({ now: Date.now() - 600_000, ttlSeconds: 60 }),
      401,
      'token-expired',
    ],
    [
      'for another proxy',
      async () => f.keys.mint({ aud: 'proxy-elsewhere' }),
      403,
      'token-wrong-audience',
    ],
    ['for another app', async () => f.keys.mint({ app: 'acme/other' }), 403, 'token-wrong-app'],
    [
      'from another edge deployment (same key, other iss)',
      async () => f.keys.mint({ issuer: 'staging-edge' }),
      401,
      'token-wrong-issuer',
    ],
    [
      'for another function',
      async () => f.keys.mint({ fn: 'v1/embeddings' }),
      403,
      'token-wrong-app',
    ],
    ['not a JWS', async () => 'not-a-token', 401, 'token-malformed'],
  ])('%s → %i %s', async (_name, make, status, code) => {
    const token = await make();
    const before = f.sim.control.snapshot().counters.requests;
    const r = await rawRequest(f.proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody(),
      headers: token === null ? {} : { 'x-switchyard-token': token },
    });
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toContain('application/json');
    const body = JSON.parse(r.body) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(r.headers['x-switchyard-cluster']).toBeUndefined();
    expect(f.sim.control.snapshot().counters.requests).toBe(before);
  });

  it('a valid token for this function is served (the gate is not refusing everything)', async () => {
    const r = await rawRequest(f.proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ max_tokens: 2 }),
      headers: { 'x-switchyard-token': await f.keys.mint({ fn: 'v1/chat/completions' }) },
    });
    expect(r.status).toBe(200);
    expect(f.sim.control.snapshot().counters.requests).toBeGreaterThan(0);
  });
});
