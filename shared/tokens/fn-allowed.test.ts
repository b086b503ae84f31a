import { expect, test } from 'vitest';
import { fnAllowed } from './fn-allowed.ts';

test.each<[string, string, boolean]>([
  ['*', 'anything/at/all', true],
  ['*', '', true],
  ['v1/chat', 'v1/chat', true],
  ['v1/chat', '/v1/chat/', true],
  ['v1/chat', 'v1/chat/completions', true],
  ['v1/chat/*', 'v1/chat/completions', true],
  ['/v1/chat/', 'v1/chat/completions', true],
  ['v1/chat', 'v1/chatty', false],
  ['v1/chat', 'v1', false],
  ['v1/chat', '', false],
  ['v1/chat', 'v1/chat/../admin', false],
  ['v1/chat', 'v1/chat/./x', false],
  ['v1/chat', 'v1/chat//x', false],
  ['v1/chat/completions', 'v1/chat', false],
])('token fn %j allows %j: %s', (tokenFn, requestFn, allowed) => {
  expect(fnAllowed(tokenFn, requestFn)).toBe(allowed);
});
