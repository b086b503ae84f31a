import { expect, test } from 'vitest';
import { localPathOf } from './local-path.ts';

test.each<[string, string | null]>([
  ['file:.switchyard/switchyard.db', '.switchyard/switchyard.db'],
  ['file:/var/lib/s.db', '/var/lib/s.db'],
  ['file:///var/lib/s.db', '/var/lib/s.db'],
  ['file:a%20b.db?mode=ro', 'a b.db'],
  [':memory:', null],
  ['http://127.0.0.1:8080', null],
])('localPathOf(%j) = %j', (url, path) => {
  expect(localPathOf(url)).toBe(path);
});
