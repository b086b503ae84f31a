import { describe, expect, it } from 'vitest';
import { parseAppPath } from './paths.ts';

describe('parseAppPath', () => {
  it.each([
    ['/v4/acme/chat/v1/chat/completions', 'public', 'acme/chat', 'v1/chat/completions'],
    ['/token/v4/acme/chat/ws', 'token', 'acme/chat', 'ws'],
    ['/explain/v4/acme/chat/generate', 'explain', 'acme/chat', 'generate'],
    ['/v4/a-b/c.d_e/f', 'public', 'a-b/c.d_e', 'f'],
  ])('%s → %s %s %s', (path, kind, appId, fn) => {
    const p = parseAppPath(path);
    expect(p).toMatchObject({ kind, appId, fn });
    expect(p?.upstreamPath).toBe(`/v4/${appId}/${fn}`);
  });

  it.each([
    '/v4/',
    '/v4/acme',
    '/v4/acme/',
    '/v4/acme/chat',
    '/v4/acme/chat/',
    '/v4//chat/x',
    '/v4/acme//x',
    '/v4/acme/chat/a//b',
    '/v4/acme/chat/../x',
    '/v4/ac me/chat/x',
    '/v3/acme/chat/x',
    '/token/v4/acme',
    '/health',
  ])('refuses %s', (path) => {
    expect(parseAppPath(path)).toBeNull();
  });
});
