import { describe, expect, it } from 'vitest';
import { TokenFailureKeys } from './token-failure-keys.ts';

describe('TokenFailureKeys', () => {
  it('charges the address until a token verifies on the connection, then the connection alone', () => {
    const keys = new TokenFailureKeys();
    const edge = {};
    const forger = {};
    expect(keys.key('127.0.0.1', edge, true)).toBe('127.0.0.1');
    keys.verified(edge);
    const own = keys.key('127.0.0.1', edge, true);
    expect(own).not.toBe('127.0.0.1');
    expect(keys.key('127.0.0.1', forger, true)).toBe('127.0.0.1');
    keys.verified(edge); // proven once: the key stays the same
    expect(keys.key('127.0.0.1', edge, true)).toBe(own);
  });

  it.each([
    ['a client named by a trusted balancer (a pooled connection carries many)', false, {}],
    ['a request without a known connection', true, undefined],
  ] as const)('keeps the address for %s', (_name, ownAddress, connection) => {
    const keys = new TokenFailureKeys();
    keys.verified(connection);
    expect(keys.key('198.51.100.7', connection, ownAddress)).toBe('198.51.100.7');
  });
});
