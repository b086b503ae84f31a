import { describe, expect, it } from 'vitest';
import { mayTryNext } from './forward-retry.ts';

const res = (status: number, refused?: string): Response =>
  new Response(null, { status, headers: refused === undefined ? {} : { 'x-switchyard-refused': refused } });

describe('mayTryNext', () => {
  it.each([
    ['GET', null, true],
    ['POST', null, false],
    ['PUT', null, true],
    ['GET', res(503), true],
    ['POST', res(503), false],
    ['POST', res(503, 'not-started'), true],
    ['POST', res(429), false],
    ['POST', res(429, 'not-started'), true],
    ['GET', res(429), true],
    ['POST', res(502, '1'), false],
    ['DELETE', res(502, '1'), true],
    ['GET', res(502), false],
    ['GET', res(500), false],
    ['POST', res(200, 'not-started'), false],
    ['GET', res(200), false],
    ['PATCH', res(503), false],
  ] as const)('%s after %o → %s', (method, r, expected) => {
    expect(mayTryNext(method, r)).toBe(expected);
  });
});
