import { expect, test } from 'vitest';
import { generateKeyPair, importSigningKey, importVerificationKeys } from './keys.ts';
import { TokenKeyError } from './errors.ts';

test('generated pairs are Ed25519 JWKs with kid, alg and use; the public half has no private part', async () => {
  const { privateJwk, publicJwk } = await generateKeyPair('2026-01');
  expect(privateJwk).toMatchObject({
    kty: 'OKP',
    crv: 'Ed25519',
    kid: '2026-01',
    alg: 'EdDSA',
    use: 'sig',
  });
  expect(typeof privateJwk.d).toBe('string');
  expect(publicJwk).toMatchObject({
    kty: 'OKP',
    crv: 'Ed25519',
    kid: '2026-01',
    alg: 'EdDSA',
    x: privateJwk.x,
  });
  expect(publicJwk.d).toBeUndefined();
  expect((await importSigningKey(privateJwk)).kid).toBe('2026-01');
  expect([...(await importVerificationKeys({ keys: [publicJwk] })).keys.keys()]).toEqual([
    '2026-01',
  ]);
});

test.each<[string, () => Promise<unknown>, RegExp]>([
  ['bad kid', () => generateKeyPair('has space'), /"kid" must be/],
  [
    'signing with a public key',
    async () => importSigningKey((await generateKeyPair('a')).publicJwk),
    /needs the private JWK/,
  ],
  ['signing key not an object', () => importSigningKey('nope'), /expected a JWK object/],
  [
    'RSA/EC key',
    () => importSigningKey({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c', kid: 'a' }),
    /Ed25519/,
  ],
  [
    'wrong alg',
    async () => importSigningKey({ ...(await generateKeyPair('a')).privateJwk, alg: 'HS256' }),
    /"alg" must be EdDSA/,
  ],
  [
    'garbage key bytes',
    () => importSigningKey({ kty: 'OKP', crv: 'Ed25519', x: '!!', d: '!!', kid: 'a' }),
    /key material is invalid/,
  ],
  ['empty JWKS', () => importVerificationKeys({ keys: [] }), /at least one public key/],
  [
    'private key given to a proxy',
    async () => importVerificationKeys({ keys: [(await generateKeyPair('a')).privateJwk] }),
    /contains a private key/,
  ],
  [
    'duplicate kid',
    async () => {
      const { publicJwk } = await generateKeyPair('a');
      return importVerificationKeys({ keys: [publicJwk, publicJwk] });
    },
    /appears twice/,
  ],
  [
    'missing kid',
    async () =>
      importVerificationKeys({
        keys: [{ ...(await generateKeyPair('a')).publicJwk, kid: undefined }],
      }),
    /"kid" must be/,
  ],
])('refuses %s with TokenKeyError', async (_name, run, message) => {
  const err = await run().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TokenKeyError);
  expect(String((err as Error).message)).toMatch(message);
});
