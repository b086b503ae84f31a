import { beforeAll, describe, expect, test } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { TOKEN_TYP } from './constants.ts';
import {
  buildTokenFixture,
  CLAIMS,
  NOW,
  TOKEN_CASES,
  TTL,
  type TokenFixture,
} from './token-cases.ts';
import { verifyRoutingToken } from './verify.ts';

let f: TokenFixture;
beforeAll(async () => {
  f = await buildTokenFixture();
});

const STATUS_403 = new Set(['wrong-audience', 'wrong-app']);

describe('verifyRoutingToken (Node)', () => {
  test.each(TOKEN_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const token = await c.token(f);
    const result = await verifyRoutingToken(token, f.keys, {
      now: NOW,
      audience: 'proxy-eu',
      ...c.options,
    });
    if ('kid' in c.expect) {
      expect(result).toEqual({
        ok: true,
        kid: c.expect.kid,
        claims: {
          ...CLAIMS,
          iss: 'switchyard-edge',
          iat: NOW / 1000,
          exp: NOW / 1000 + TTL,
          ...c.expect.claims,
        },
      });
    } else {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe(c.expect.code);
      expect(result.error.status).toBe(STATUS_403.has(c.expect.code) ? 403 : 401);
      expect(result.error.message.length).toBeGreaterThan(20);
    }
  });
});

test('the token header and payload carry the documented fields', async () => {
  const token = await f.sign();
  expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: 'k2', typ: TOKEN_TYP });
  expect(decodeJwt(token)).toEqual({
    ...CLAIMS,
    iss: 'switchyard-edge',
    iat: NOW / 1000,
    exp: NOW / 1000 + TTL,
    jti: CLAIMS.did,
  });
});

test('a proxy that dropped the old key refuses its tokens as unknown-key', async () => {
  const token = await f.sign({}, { key: f.previous });
  const onlyNew = { keys: new Map([...f.keys.keys].filter(([kid]) => kid === 'k2')) };
  const result = await verifyRoutingToken(token, onlyNew, { now: NOW, audience: 'proxy-eu' });
  expect(result).toMatchObject({ ok: false, error: { code: 'unknown-key', status: 401 } });
});
