import { expect, test } from 'vitest';
import { parseAppRef } from './app-ref.ts';

test.each([
  ['acme/chat', true],
  ['a/b', true],
  ['badformat', false],
  ['acme/', false],
  ['/chat', false],
  ['a/b/c', false],
  ['acme/ chat', false],
  ['', false],
])('%j → ok %s', (raw, ok) => {
  const r = parseAppRef(raw);
  expect(r.ok).toBe(ok);
  if (r.ok) expect(r.appId).toBe(raw);
  else expect(r.message).toBe(`the app must be <project>/<app>, e.g. acme/chat (got '${raw}')`);
});
