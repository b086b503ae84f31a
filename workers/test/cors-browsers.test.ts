import { describe, expect, it } from 'vitest';
import { call } from './helpers.ts';

describe('browsers', () => {
  it('answers a preflight for an allowed origin without a key', async () => {
    const res = await call('/v4/acme/chat/generate', {
      key: null,
      init: { method: 'OPTIONS', headers: { origin: 'https://app.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
  });

  it('gives a foreign origin no allow headers', async () => {
    const res = await call('/v4/acme/chat/generate', {
      key: null,
      init: { method: 'OPTIONS', headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' } },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('decorates answers (and refusals) for an allowed origin', async () => {
    const ok = await call('/token/v4/acme/chat/generate', { init: { headers: { origin: 'https://app.test' } } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(ok.headers.get('access-control-expose-headers')).toContain('x-switchyard-decision-id');
    const denied = await call('/token/v4/acme/chat/generate', { key: null, init: { headers: { origin: 'https://app.test' } } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('https://app.test');
  });
});
