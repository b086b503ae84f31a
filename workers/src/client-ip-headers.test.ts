import { describe, expect, it } from 'vitest';
import { withClientIp } from './answer-forward.ts';

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
    const out = withClientIp(new Headers(prior), new Headers({ 'cf-connecting-ip': ip }));
    expect(out.get('x-forwarded-for')).toBe(xff);
    expect(out.get('forwarded')).toBe(fwd);
  });

  it('changes nothing without CF-Connecting-IP', () => {
    const out = withClientIp(new Headers({ forwarded: 'for=6.6.6.6' }), new Headers());
    expect(out.get('forwarded')).toBe('for=6.6.6.6');
  });
});
