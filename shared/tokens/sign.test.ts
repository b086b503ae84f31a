import { beforeAll, expect, test } from 'vitest';
import { decodeJwt } from 'jose';
import { buildTokenFixture, CLAIMS, NOW, type TokenFixture } from './token-cases.ts';
import { signRoutingToken } from './sign.ts';

let f: TokenFixture;
beforeAll(async () => {
  f = await buildTokenFixture();
});

test('issuer is configurable and iat is floored to seconds', async () => {
  const token = await signRoutingToken(CLAIMS, f.current, {
    now: NOW + 999,
    ttlSeconds: 5,
    issuer: 'edge-test',
  });
  expect(decodeJwt(token)).toMatchObject({
    iss: 'edge-test',
    iat: NOW / 1000,
    exp: NOW / 1000 + 5,
  });
});

test.each<[string, Parameters<typeof signRoutingToken>[2], Partial<typeof CLAIMS>, RegExp]>([
  ['zero ttl', { now: NOW, ttlSeconds: 0 }, {}, /ttlSeconds must be a positive integer/],
  ['fractional ttl', { now: NOW, ttlSeconds: 1.5 }, {}, /ttlSeconds/],
  ['NaN now', { now: Number.NaN, ttlSeconds: 5 }, {}, /now must be/],
  [
    'app without project',
    { now: NOW, ttlSeconds: 5 },
    { app: 'chat' },
    /"app" must be "project\/app"/,
  ],
  ['empty cluster', { now: NOW, ttlSeconds: 5 }, { cluster: '' }, /"cluster"/],
])(
  'refuses to mint a token the verifier would refuse: %s',
  async (_name, options, over, message) => {
    await expect(signRoutingToken({ ...CLAIMS, ...over }, f.current, options)).rejects.toThrow(
      message,
    );
  },
);
