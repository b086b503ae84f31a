import { describe, expect, it } from 'vitest';
import { importVerificationKeys, verifyRoutingToken } from '../src/shared-deps.ts';
import { call, fixtures } from './helpers.ts';
import type { TokenBody } from './helpers.ts';

const PROXY_OF: Record<string, 'eu' | 'us'> = { 'eu-west': 'eu', 'us-east': 'us' };

async function verify(token: string, audience: string) {
  const keys = await importVerificationKeys({ keys: [JSON.parse(fixtures.publicJwk) as unknown] });
  return verifyRoutingToken(token, keys, { now: Date.now(), audience });
}

describe('token answer', () => {
  it('returns a token the regional proxy accepts, for the chosen cluster', async () => {
    const res = await call('/token/v4/acme/chat/v1/chat/completions?stream=true');
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenBody;
    // Only what a client needs: no candidates, prices, health or seed (issue 11 #5).
    expect(Object.keys(body).sort()).toEqual(['decisionId', 'expiresAt', 'token', 'url']);
    expect(body.decisionId).toBe(res.headers.get('x-switchyard-decision-id'));
    const proxy = body.url.startsWith(fixtures.proxies.eu) ? 'eu' : 'us';
    expect(body.url).toBe(`${fixtures.proxies[proxy]}/v4/acme/chat/v1/chat/completions?stream=true`);
    expect(body.expiresAt).toBeGreaterThan(Date.now());
    expect(body.expiresAt - Date.now()).toBeLessThanOrEqual(30_000);
    const result = await verify(body.token, `proxy-${proxy}`);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.claims).toMatchObject({ app: 'acme/chat', fn: 'v1/chat/completions', did: body.decisionId });
      expect(PROXY_OF[result.claims.cluster]).toBe(proxy);
    }
    // The same token is refused by another proxy.
    expect((await verify(body.token, proxy === 'eu' ? 'proxy-us' : 'proxy-eu')).ok).toBe(false);
  });
});

describe('redirect answer', () => {
  it('answers 307 with a Location the regional proxy serves', async () => {
    // An EU-only app: the answer is deterministic (eu-west).
    const res = await call('/v4/acme/eu-only/generate?q=1&sy_mode=redirect');
    expect(res.status).toBe(307);
    const location = res.headers.get('location') ?? '';
    expect(location.startsWith(`${fixtures.proxies.eu}/v4/acme/eu-only/generate?q=1&sy_token=`)).toBe(true);
    const token = new URL(location).searchParams.get('sy_token') ?? '';
    expect((await verify(token, 'proxy-eu')).ok).toBe(true);
    const followed = await fetch(location);
    expect(followed.status).toBe(200);
    const echo = (await followed.json()) as { path: string; query: string };
    expect(echo.path).toBe('/v4/acme/eu-only/generate');
    expect(echo.query).toContain('q=1');
  });
});
