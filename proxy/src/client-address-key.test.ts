import { describe, expect, it } from 'vitest';
import { clientAddressKey } from './client-address-key.ts';

describe('clientAddressKey', () => {
  it.each<[string | undefined, string]>([
    ['127.0.0.2', '127.0.0.2'],
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:10.0.0.1', '10.0.0.1'],
    // Mapped, written in hex: still that IPv4 client, not the ::/64 of everyone mapped.
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    // One /64: a client rotating its interface id stays one key.
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::ffff', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:1:3::1', '2001:db8:1:3::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    // Not an address a socket reports: kept whole rather than guessed at (deterministic, no throw).
    ['1::2::3', '1::2::3'],
    ['zz::1', 'zz::1'],
    ['2001:db8::1/64', '2001:db8::1/64'],
    ['1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8:9'],
    ['127.1', '127.1'],
    ['0x7f.0.0.1', '0x7f.0.0.1'],
    ['256.1.1.1', '256.1.1.1'],
    [' 10.0.0.1', ' 10.0.0.1'],
    ['not an address', 'not an address'],
    [undefined, 'unknown'],
    ['', 'unknown'],
  ])('%s → %s', (address, key) => {
    expect(clientAddressKey(address)).toBe(key);
  });
});
