import { describe, expect, test } from 'vitest';
import {
  bool,
  boolOrNull,
  int,
  intOrNull,
  json,
  num,
  numOrNull,
  str,
  strOrNull,
} from './row-values.ts';
import { SnapshotError } from './errors.ts';

const ok: Array<[string, () => unknown, unknown]> = [
  ['num from number', () => num({ a: 1.5 }, 'a', 't'), 1.5],
  ['num from bigint', () => num({ a: 42n }, 'a', 't'), 42],
  ['numOrNull null', () => numOrNull({ a: null }, 'a', 't'), null],
  ['numOrNull missing', () => numOrNull({}, 'a', 't'), null],
  ['int from bigint', () => int({ a: 7n }, 'a', 't'), 7],
  ['intOrNull value', () => intOrNull({ a: 3 }, 'a', 't'), 3],
  ['bool 1', () => bool({ a: 1 }, 'a', 't'), true],
  ['bool 0n', () => bool({ a: 0n }, 'a', 't'), false],
  ['boolOrNull null', () => boolOrNull({ a: null }, 'a', 't'), null],
  ['str', () => str({ a: 'x' }, 'a', 't'), 'x'],
  ['strOrNull null', () => strOrNull({ a: null }, 'a', 't'), null],
  ['json', () => json({ a: '{"k":[1]}' }, 'a', 't'), { k: [1] }],
];

const bad: Array<[string, () => unknown, RegExp]> = [
  [
    'num from string',
    () => num({ a: '1' }, 'a', 'apps row x'),
    /apps row x: column a must be a finite number, got "1"/,
  ],
  ['num from NaN', () => num({ a: Number.NaN }, 'a', 't'), /finite number/],
  ['num from huge bigint', () => num({ a: 2n ** 60n }, 'a', 't'), /got 1152921504606846976n/],
  ['num missing', () => num({}, 'a', 't'), /got undefined/],
  ['int from real', () => int({ a: 1.5 }, 'a', 't'), /an integer/],
  ['bool from 2', () => bool({ a: 2 }, 'a', 't'), /0 or 1/],
  ['str from number', () => str({ a: 1 }, 'a', 't'), /a string/],
  ['json invalid', () => json({ a: '{' }, 'a', 't'), /valid JSON/],
];

describe('row values', () => {
  test.each(ok)('%s', (_name, read, expected) => {
    expect(read()).toEqual(expected);
  });
  test.each(bad)('%s is refused', (_name, read, message) => {
    expect(read).toThrow(SnapshotError);
    expect(read).toThrow(message);
  });
});
