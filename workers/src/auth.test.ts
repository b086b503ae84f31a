import { describe, expect, it } from 'vitest';
import type { App } from '../../shared/domain/types.ts';
import { authorize, hashKey } from './auth.ts';

describe('hashKey', () => {
  it('is hex SHA-256', async () => {
    expect(await hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

// L7: a key that cannot be valid (the config's own key rule) is refused before any database read.
describe('authorize checks the key format before the lookup', () => {
  const app = { authRequired: true, projectId: 'acme', id: 'acme/chat' } as unknown as App;
  it.each([
    ['too short', 'short', 'unknown-key', 0],
    ['a character no key has', 'sy_0123456789abcdef!', 'unknown-key', 0],
    ['far too long', 'k'.repeat(300), 'unknown-key', 0],
    ['well formed but unknown', 'sy_0123456789abcdef', 'unknown-key', 1],
  ])('%s', async (_name, key, code, reads) => {
    let loads = 0;
    const lookup = () => ((loads += 1), Promise.resolve(null));
    const denied = await authorize(new Headers({ authorization: `Bearer ${key}` }), app, lookup, () => undefined);
    expect([denied?.code, loads]).toEqual([code, reads]);
  });
});

// The header read by shared/http/bearer-credential.ts: "Bearer <key> extra" was "send a key".
describe('authorize names a malformed Authorization header', () => {
  const app = { authRequired: true, projectId: 'acme', id: 'acme/chat' } as unknown as App;
  it.each([
    ['Bearer sy_0123456789abcdef extra', 'missing-key', 'is not "Bearer <key>"'],
    ['Bearer', 'missing-key', 'is not "Bearer <key>"'],
    ['Bearer a, Bearer b', 'missing-key', 'more than one Authorization header'],
    ['Basic dXNlcg==', 'missing-key', 'This app requires an API key'],
  ])('%s', async (header, code, says) => {
    const denied = await authorize(new Headers({ authorization: header }), app, () => Promise.resolve(null), () => undefined);
    expect(denied?.code).toBe(code);
    expect(denied?.message).toContain(says);
  });
});
