import { describe, expect, it } from 'vitest';
import { bearerKey, hashKey } from './auth.ts';

describe('hashKey', () => {
  it('is hex SHA-256', async () => {
    expect(await hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('bearerKey', () => {
  it.each([
    [{ authorization: 'Bearer sk_123' }, 'sk_123'],
    [{ authorization: 'bearer   sk_123 ' }, 'sk_123'],
    [{ authorization: 'Basic dXNlcg==' }, null],
    [{ authorization: 'Bearer' }, null],
    [{}, null],
  ])('%j → %s', (h, expected) => {
    expect(bearerKey(new Headers(h))).toBe(expected);
  });
});
