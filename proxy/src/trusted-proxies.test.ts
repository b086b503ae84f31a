import { describe, expect, it } from 'vitest';
import { clientAddress, NO_TRUSTED_PROXIES, parseTrustedProxies, type TrustedProxies } from './trusted-proxies.ts';

const list = (raw: string): TrustedProxies => {
  const r = parseTrustedProxies(raw);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.value;
};

describe('clientAddress', () => {
  const lb = list('10.0.0.0/8, fd00::/8, 192.0.2.7');
  it.each([
    ['no list: the socket, whatever the header says', NO_TRUSTED_PROXIES, '10.0.0.5', '198.51.100.1', '10.0.0.5'],
    ['an untrusted peer is not believed', lb, '203.0.113.9', '198.51.100.1', '203.0.113.9'],
    ['a trusted balancer: the address it saw', lb, '10.0.0.5', '198.51.100.1', '198.51.100.1'],
    ['a client-written entry left of the real one is ignored', lb, '10.0.0.5', '1.2.3.4, 198.51.100.1', '198.51.100.1'],
    ['two trusted hops: the first untrusted from the right', lb, '10.0.0.5', '198.51.100.1, 10.1.1.1', '198.51.100.1'],
    ['a single trusted address (no prefix)', lb, '192.0.2.7', '198.51.100.2', '198.51.100.2'],
    ['IPv6 balancer range', lb, 'fd00::1', '2001:db8::1', '2001:db8::1'],
    ['IPv4-mapped socket address of a trusted balancer', lb, '::ffff:10.0.0.5', '198.51.100.3', '198.51.100.3'],
    ['trusted peer without the header: the socket', lb, '10.0.0.5', undefined, '10.0.0.5'],
    ['every hop trusted: the leftmost', lb, '10.0.0.5', '10.2.2.2, 10.3.3.3', '10.2.2.2'],
    ['several header lines read as one list', lb, '10.0.0.5', ['1.2.3.4', '198.51.100.4'], '198.51.100.4'],
  ] as const)('%s', (_name, t, remote, xff, expected) => {
    expect(clientAddress(t, remote, xff as string | string[] | undefined)).toBe(expected);
  });
});

describe('parseTrustedProxies', () => {
  it.each([
    ['10.0.0.0/33', 'prefix length must be 0–32'],
    ['fd00::/129', 'prefix length must be 0–128'],
    ['10.0.0.0/x', 'prefix length'],
    ['lb.internal', 'is not an address'],
    ['10.1', 'is not an address'],
  ])('refuses %s', (raw, message) => {
    const r = parseTrustedProxies(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('; ')).toContain(message);
  });
  it('reads an empty list as none', () => {
    expect(parseTrustedProxies(' , ')).toEqual({ ok: true, value: { ranges: [] } });
  });
});
