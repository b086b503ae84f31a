import { describe, expect, it } from 'vitest';
import { authorize, keyFromHeaders, MAX_SESSIONS, parseCookies, sameSecret, SESSION_TTL_MS, Sessions, sessionCookie } from './operator-auth.ts';

describe('sameSecret', () => {
  it.each([
    ['k', 'k', true],
    ['k', 'K', false],
    ['', 'k', false],
    ['key-longer', 'key', false],
  ])('%s vs %s → %s', (a, b, want) => expect(sameSecret(a, b)).toBe(want));
});

describe('keyFromHeaders', () => {
  it.each([
    [{}, null],
    [{ 'x-switchyard-operator-key': 'abc' }, 'abc'],
    [{ 'x-switchyard-operator-key': '' }, null],
    [{ authorization: 'Bearer abc' }, 'abc'],
    [{ authorization: 'bearer  abc ' }, 'abc'],
    [{ authorization: 'Basic abc' }, null],
    [{ authorization: 'Bearer a b' }, null],
  ])('%j → %s', (headers, want) => expect(keyFromHeaders(headers)).toBe(want));
});

describe('parseCookies', () => {
  it.each([
    [undefined, {}],
    ['a=1', { a: '1' }],
    ['a=1; b = 2;;=x; c', { a: '1', b: '2' }],
    ['s=abc=def', { s: 'abc=def' }],
  ])('%s', (header, want) => expect(Object.fromEntries(parseCookies(header))).toEqual(want));
});

describe('sessionCookie', () => {
  it.each([
    [false, 'switchyard_session=id; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200'],
    [true, 'switchyard_session=id; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200; Secure'],
  ])('secure=%s', (secure, want) => expect(sessionCookie('id', secure)).toBe(want));
});

describe('Sessions', () => {
  it('expires, deletes and stays bounded', () => {
    const s = new Sessions();
    const id = s.create(0);
    expect(s.valid(id, SESSION_TTL_MS - 1)).toBe(true);
    expect(s.valid(id, SESSION_TTL_MS)).toBe(false);
    expect(s.valid('nope', 0)).toBe(false);
    expect(s.valid(undefined, 0)).toBe(false);
    const other = s.create(0);
    s.delete(other);
    expect(s.valid(other, 1)).toBe(false);
    const first = s.create(0);
    for (let i = 0; i < MAX_SESSIONS; i++) s.create(0);
    expect(s.size).toBe(MAX_SESSIONS);
    expect(s.valid(first, 1)).toBe(false);
  });
});

describe('authorize', () => {
  const sessions = new Sessions();
  const sid = sessions.create(0);
  it.each([
    [{}, 'missing'],
    [{ 'x-switchyard-operator-key': 'secret' }, 'ok'],
    [{ 'x-switchyard-operator-key': 'wrong' }, 'wrong'],
    [{ authorization: 'Bearer secret' }, 'ok'],
    [{ cookie: `switchyard_session=${sid}` }, 'ok'],
    [{ cookie: 'switchyard_session=forged' }, 'missing'],
    [{ cookie: 'switchyard_session=forged', authorization: 'Bearer nope' }, 'wrong'],
  ])('%j → %s', (headers, want) => expect(authorize(headers, 'secret', sessions, 1)).toBe(want));
});
