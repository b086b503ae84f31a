import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.ts';

// The path rules themselves are the shared table (shared/http/request-path-cases.ts); this
// checks what the proxy adds: the upstream path, the raw query and the query token.
describe('parseRequestTarget', () => {
  it.each([
    ['/v4/acme/chat/v1/chat/completions', { appId: 'acme/chat', fn: 'v1/chat/completions', upstreamPath: '/v1/chat/completions', queryToken: null }],
    ['/v4/acme/chat/v1/ws?sy_token=abc&x=1', { appId: 'acme/chat', fn: 'v1/ws', upstreamPath: '/v1/ws?x=1', queryToken: 'abc' }],
    ['/v4/acme/chat/v1/x?flag&sig=a~b', { fn: 'v1/x', upstreamPath: '/v1/x?flag&sig=a~b' }],
    ['/v4/acme/chat/v1/x?sy_mode=token', { upstreamPath: '/v1/x' }],
    ['/v4/acme/chat/v1/chat%2dx', { fn: 'v1/chat-x', upstreamPath: '/v1/chat-x' }],
    ['http://proxy.example/v4/acme/chat/v1/x?q=1', { appId: 'acme/chat', upstreamPath: '/v1/x?q=1' }],
  ])('%s', (url, expected) => {
    const r = parseRequestTarget(url);
    expect(r.ok && r.target).toMatchObject(expected);
  });

  it.each([
    ['/', 'not-app-path'],
    ['*', 'not-app-path'],
    ['/v3/a/b/c', 'not-app-path'],
    // The edge's routes the proxy does not serve are some other route here (404); `/v4` is not.
    ['/token/v4/acme/chat/x', 'not-app-path'],
    ['/v4', 'bad-path'],
    ['/v4/acme', 'bad-path'],
    ['/v4/acme/chat', 'bad-path'],
    ['/v4//chat/x', 'bad-path'],
    ['/v4/acme/chat/a/../b', 'bad-path'],
    ['/v4/acme/chat/v1\\..\\_control', 'bad-path'],
    ['/v4/%zz/a/b', 'bad-path'],
  ])('refuses %s (%s)', (url, code) => {
    const r = parseRequestTarget(url);
    expect(r.ok ? 'ok' : r.code).toBe(code);
  });
});
