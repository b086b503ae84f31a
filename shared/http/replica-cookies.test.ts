import { describe, expect, it } from 'vitest';
import { scopeReplicaCookie, scopeReplicaCookies, scopeReplicaHeader, scopeServiceWorkerAllowed } from './replica-cookies.ts';

describe('scopeReplicaCookie', () => {
  it.each([
    ['root path moves to the app', 'sid=1; Path=/', 'sid=1; Path=/v4/acme/chat/'],
    ['a sub-path stays below the app', 'sid=1; Path=/v1/ui', 'sid=1; Path=/v4/acme/chat/v1/ui'],
    ['attribute names in any case', 'sid=1; PATH=/; DoMaIn=example.com', 'sid=1; Path=/v4/acme/chat/'],
    ['Domain removed, others kept in order', 'sid=1; Domain=.example.com; HttpOnly; Secure; SameSite=Lax', 'sid=1; HttpOnly; Secure; SameSite=Lax'],
    ['no Path: the browser default (the request path) is inside the app already', 'sid=1; Max-Age=60', 'sid=1; Max-Age=60'],
    ['the last Path counts, as in browsers', 'sid=1; Path=/a; Path=/', 'sid=1; Path=/v4/acme/chat/'],
    ['an empty Path becomes the app', 'sid=1; Path=; x', 'sid=1; x; Path=/v4/acme/chat/'],
    ['a relative Path becomes the app', 'sid=1; Path=foo', 'sid=1; Path=/v4/acme/chat/'],
    ['a bare Path attribute', 'sid=1; Path', 'sid=1; Path=/v4/acme/chat/'],
    ['a value holding "=" is kept', 'sid=a=b==; Path=/', 'sid=a=b==; Path=/v4/acme/chat/'],
  ])('%s', (_name, input, expected) => {
    expect(scopeReplicaCookie(input, 'acme/chat')).toBe(expected);
  });

  it('scopes each of several values', () => {
    expect(scopeReplicaCookies(['a=1; Path=/', 'b=2'], 'p/a')).toEqual(['a=1; Path=/v4/p/a/', 'b=2']);
    expect(scopeReplicaCookies('a=1; Domain=x', 'p/a')).toEqual(['a=1']);
  });
});

describe('scopeServiceWorkerAllowed', () => {
  it.each([
    ['the origin root becomes the app', '/', '/v4/acme/chat/'],
    ['a sub-path stays below the app', '/ui/', '/v4/acme/chat/ui/'],
    ['dot segments cannot climb out of the app', '/../../other/app/', '/v4/acme/chat/other/app/'],
    ['an encoded dot segment neither', '/%2e%2e/%2E%2E/', '/v4/acme/chat/'],
    ['a relative path is read from the app root', 'ui/', '/v4/acme/chat/ui/'],
    ['an absolute URL keeps only its path', 'https://evil.example/', '/v4/acme/chat/'],
  ])('%s', (_name, input, expected) => {
    expect(scopeServiceWorkerAllowed(input, 'acme/chat')).toBe(expected);
  });

  it('other headers pass as they are', () => {
    expect(scopeReplicaHeader('content-type', 'text/html', 'p/a')).toEqual(['text/html']);
    expect(scopeReplicaHeader('service-worker-allowed', ['/'], 'p/a')).toEqual(['/v4/p/a/']);
  });
});
