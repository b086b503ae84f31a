import { describe, expect, it } from 'vitest';
import { allowedOrigin, applyCors, preflightResponse } from './cors.ts';

describe('allowedOrigin', () => {
  it.each([
    [['*'], 'https://a.test', '*'],
    [['https://a.test'], 'https://a.test', 'https://a.test'],
    [['https://a.test'], 'https://b.test', null],
    [[], 'https://a.test', null],
    [['*'], null, null],
  ])('%j %s → %s', (origins, origin, expected) => {
    expect(allowedOrigin(origins, origin)).toBe(expected);
  });
});

describe('applyCors', () => {
  it('echoes an allowed explicit origin, never allowing credentials (bearer keys only)', () => {
    const h = applyCors(new Headers(), ['https://a.test'], 'https://a.test');
    expect(h.get('access-control-allow-origin')).toBe('https://a.test');
    expect(h.get('access-control-allow-credentials')).toBeNull();
    expect(h.get('access-control-expose-headers')).toContain('x-switchyard-decision-id');
  });
  it('adds nothing but Vary for a foreign origin', () => {
    const h = applyCors(new Headers(), ['https://a.test'], 'https://evil.test');
    expect(h.get('access-control-allow-origin')).toBeNull();
    expect(h.get('vary')).toBe('Origin');
  });
});

describe('preflightResponse', () => {
  it('allows requested headers for an allowed origin', () => {
    const req = new Request('https://edge.test/v4/p/a/f', {
      method: 'OPTIONS',
      headers: { origin: 'https://a.test', 'access-control-request-headers': 'authorization, x-custom' },
    });
    const res = preflightResponse(['*'], req);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, x-custom');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
  it('gives no allow headers to a foreign origin', () => {
    const req = new Request('https://edge.test/v4/p/a/f', { method: 'OPTIONS', headers: { origin: 'https://x.test' } });
    const res = preflightResponse(['https://a.test'], req);
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
  });
});
