import { describe, expect, it } from 'vitest';
import { upstreamUrl } from './upstream-url.ts';

describe('upstreamUrl', () => {
  it.each([
    ['http://127.0.0.1:9000', '/v4/p/a/f', '', undefined, 'http://127.0.0.1:9000/v4/p/a/f'],
    ['http://127.0.0.1:9000/', '/v4/p/a/f', '?x=1&sy_mode=redirect', undefined, 'http://127.0.0.1:9000/v4/p/a/f?x=1'],
    ['https://eu.example.com/sy/', '/v4/p/a/f', '?x=1', 'tok', 'https://eu.example.com/sy/v4/p/a/f?x=1&sy_token=tok'],
    ['https://eu.example.com', '/v4/p/a/f', '?sy_token=forged', 'real', 'https://eu.example.com/v4/p/a/f?sy_token=real'],
    // The query is passed on raw: no `?flag` → `?flag=`, no `~` → `%7E`, `+` stays `+`.
    ['http://p', '/v4/p/a/f', '?flag&sig=a~b+c%2F&sy_mode=forward', undefined, 'http://p/v4/p/a/f?flag&sig=a~b+c%2F'],
    ['http://p', '/v4/p/a/f', '?flag', 'a.b-c', 'http://p/v4/p/a/f?flag&sy_token=a.b-c'],
  ])('%s %s %s %s', (proxy, path, search, token, expected) => {
    expect(upstreamUrl(proxy, path, search, token)).toBe(expected);
  });
});
