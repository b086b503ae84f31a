import { describe, expect, it } from 'vitest';
import { call, seenByProxies } from './helpers.ts';

// `acme/refusal` routes to the refusing proxy first (weight), then to eu-west; `acme/dead` to a
// dead proxy first, then to us-east; `acme/all-refuse` has only the refusing and the dead proxy.
const post = (body: string): RequestInit => ({ method: 'POST', body, headers: { 'content-length': String(body.length) } });

describe('forward fallback: only what cannot run twice', () => {
  it('re-sends a POST whose refusal the proxy marked not-started', async () => {
    const res = await call('/v4/acme/refusal/generate', { init: post('ns-payload') });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ proxy: 'eu', body: 'ns-payload' });
  });

  it('does not re-send a POST the proxy may already have started; answers its refusal', async () => {
    const res = await call('/v4/acme/refusal/started', { init: post('started-payload') });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    const seen = await seenByProxies();
    expect(seen.filter((s) => s.body === 'started-payload').map((s) => s.proxy)).toEqual(['refuse']);
  });

  it('re-sends a GET whatever the refusal said', async () => {
    const res = await call('/v4/acme/refusal/started');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { proxy: string }).proxy).toBe('eu');
  });

  it('does not re-send a POST after a network error (the proxy may have started it)', async () => {
    const res = await call('/v4/acme/dead/generate', { init: post('dead-payload') });
    expect(res.status).toBe(502);
    const seen = await seenByProxies();
    expect(seen.some((s) => s.body === 'dead-payload')).toBe(false);
  });

  it('treats a bare 429 from a proxy as "try the next fallback" for a GET', async () => {
    const res = await call('/v4/acme/refusal/busy');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { proxy: string }).proxy).toBe('eu');
  });

  it('answers a POST with the proxy 429 and its Retry-After when it may not move', async () => {
    const res = await call('/v4/acme/refusal/busy', { init: post('busy-payload') });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('answers the last refusal, with its Retry-After, when every cluster refuses', async () => {
    const res = await call('/v4/acme/all-refuse/generate');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('overloaded');
  });
});
