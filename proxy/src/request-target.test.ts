import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.ts';

describe('parseRequestTarget', () => {
  it.each([
    [
      '/v4/acme/chat/v1/chat/completions',
      {
        appId: 'acme/chat',
        fn: 'v1/chat/completions',
        upstreamPath: '/v1/chat/completions',
        queryToken: null,
      },
    ],
    [
      '/v4/acme/chat/v1/ws?sy_token=abc&x=1',
      { appId: 'acme/chat', fn: 'v1/ws', upstreamPath: '/v1/ws?x=1', queryToken: 'abc' },
    ],
    ['/v4/acme/chat', { appId: 'acme/chat', fn: '', upstreamPath: '/', queryToken: null }],
    // Not plain paths: these take the URL parser, which resolves dot segments and decodes.
    ['/v4/acme/chat/a/../b', { appId: 'acme/chat', fn: 'b', upstreamPath: '/b' }],
    ['/v4/ac%20me/chat/x', { project: 'ac me', appId: 'ac me/chat', fn: 'x' }],
    ['/v4/acme/chat/x?q=a b', { fn: 'x', upstreamPath: '/x?q=a+b' }],
  ])('%s', (url, expected) => {
    expect(parseRequestTarget(url)).toMatchObject(expected);
  });

  it.each(['/', '/v3/a/b/c', '/v4/acme', '/v4//chat/x'])('refuses %s', (url) => {
    expect(parseRequestTarget(url)).toBeNull();
  });
});
