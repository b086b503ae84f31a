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
  ])('%s', (url, expected) => {
    expect(parseRequestTarget(url)).toMatchObject(expected);
  });

  it.each(['/', '/v3/a/b/c', '/v4/acme', '/v4//chat/x'])('refuses %s', (url) => {
    expect(parseRequestTarget(url)).toBeNull();
  });
});
