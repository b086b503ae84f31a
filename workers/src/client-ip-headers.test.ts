import { describe, expect, it } from 'vitest';
import { attestedClientIp, withClientIp } from './answer-forward.ts';

describe('withClientIp: the edge appends the real client address to XFF and Forwarded', () => {
  it.each([
    ['no prior headers', {}, '203.0.113.9', '203.0.113.9', 'for=203.0.113.9'],
    [
      "a client's own Forwarded is followed by the real address",
      { forwarded: 'for=6.6.6.6', 'x-forwarded-for': '6.6.6.6' },
      '203.0.113.9',
      '6.6.6.6, 203.0.113.9',
      'for=6.6.6.6, for=203.0.113.9',
    ],
    ['IPv6 is quoted', {}, '2001:db8::1', '2001:db8::1', 'for="[2001:db8::1]"'],
  ])('%s', (_name, prior, ip, xff, fwd) => {
    const out = withClientIp(new Headers(prior), ip);
    expect(out.get('x-forwarded-for')).toBe(xff);
    expect(out.get('forwarded')).toBe(fwd);
  });

  it('changes nothing without an attested address', () => {
    const out = withClientIp(new Headers({ forwarded: 'for=6.6.6.6' }), null);
    expect(out.get('forwarded')).toBe('for=6.6.6.6');
  });
});

describe('attestedClientIp: only where the runtime put it there', () => {
  const withCf = (headers: Record<string, string>, cf: object | undefined): Request =>
    new Request('https://edge.example/v4/acme/chat/v1/models', { headers, ...(cf === undefined ? {} : { cf }) } as RequestInit);
  it.each([
    ['Cloudflare (request.cf present)', { 'cf-connecting-ip': '203.0.113.9' }, { colo: 'FRA' }, '203.0.113.9'],
    // A self-hosted workerd: nothing in front sets it, so the header is the client's claim.
    ['a self-hosted edge (no request.cf): a client-sent header', { 'cf-connecting-ip': '7.7.7.7' }, undefined, null],
    ['an empty header', { 'cf-connecting-ip': ' ' }, { colo: 'FRA' }, null],
    ['no header', {}, { colo: 'FRA' }, null],
  ])('%s', (_name, headers, cf, ip) => {
    expect(attestedClientIp(withCf(headers, cf))).toBe(ip);
  });
});
