import { describe, expect, it } from 'vitest';
import {
  boolean,
  duration,
  integer,
  nonEmptyString,
  numberInRange,
  oneOf,
  parseDurationMs,
} from './field-parsers.ts';
import type { FieldParser } from './types.ts';

type Row = [name: string, parse: FieldParser<unknown>, raw: string, expected: unknown];

const valid: Row[] = [
  ['number', numberInRange(0, 10), '2.5', 2.5],
  ['number at min', numberInRange(0, 10), '0', 0],
  ['number at max', numberInRange(0, 10), '10', 10],
  ['number trimmed', numberInRange(0, 10), ' 3 ', 3],
  ['integer', integer(0, 20), '7', 7],
  ['bare duration = ms', duration(0, 60_000), '1500', 1500],
  ['ms duration', duration(0, 60_000), '1500ms', 1500],
  ['s duration', duration(0, 60_000), '2s', 2000],
  ['fractional s', duration(0, 60_000), '1.5s', 1500],
  ['m duration', duration(0, 600_000), '5m', 300_000],
  ['h duration', duration(0, 7_200_000), '1h', 3_600_000],
  ['true', boolean(), 'true', true],
  ['TRUE', boolean(), 'TRUE', true],
  ['1', boolean(), '1', true],
  ['on', boolean(), 'on', true],
  ['false', boolean(), 'false', false],
  ['0', boolean(), '0', false],
  ['off', boolean(), 'off', false],
  ['enum', oneOf(['a', 'b'] as const), 'b', 'b'],
  ['string', nonEmptyString(), ' v1 ', 'v1'],
];

const invalid: Row[] = [
  ['not a number', numberInRange(0, 10), 'abc', 'a number between 0 and 10'],
  ['empty number', numberInRange(0, 10), '', 'a number between 0 and 10'],
  ['blank number', numberInRange(0, 10), '  ', 'a number between 0 and 10'],
  ['number below', numberInRange(0, 10), '-1', 'a number between 0 and 10'],
  ['number above', numberInRange(0, 10), '10.01', 'a number between 0 and 10'],
  ['NaN', numberInRange(0, 10), 'NaN', 'a number between 0 and 10'],
  ['Infinity', numberInRange(0, 1e308), 'Infinity', 'a number between 0 and 1e+308'],
  ['fractional integer', integer(0, 20), '1.5', 'an integer between 0 and 20'],
  ['hex integer', integer(0, 20), '0x5', 'an integer between 0 and 20'],
  ['integer above', integer(0, 20), '21', 'an integer between 0 and 20'],
  [
    'unknown unit',
    duration(0, 60_000),
    '2w',
    'a duration between 0ms and 1m (e.g. 1500, 1500ms, 2s, 5m)',
  ],
  [
    'negative duration',
    duration(0, 60_000),
    '-5s',
    'a duration between 0ms and 1m (e.g. 1500, 1500ms, 2s, 5m)',
  ],
  [
    'duration above',
    duration(0, 60_000),
    '2m',
    'a duration between 0ms and 1m (e.g. 1500, 1500ms, 2s, 5m)',
  ],
  ['bad boolean', boolean(), 'maybe', 'one of on, off, true, false, 1, 0, yes, no'],
  ['bad enum', oneOf(['a', 'b'] as const), 'c', 'one of a, b'],
  ['enum case', oneOf(['a', 'b'] as const), 'A', 'one of a, b'],
  ['empty string', nonEmptyString(), ' ', 'a non-empty string'],
];

describe('field parsers', () => {
  it.each(valid)('accepts %s', (_name, parse, raw, expected) => {
    expect(parse(raw)).toEqual({ ok: true, value: expected });
  });

  it.each(invalid)('refuses %s', (_name, parse, raw, expected) => {
    expect(parse(raw)).toEqual({ ok: false, expected });
    expect(parse.expected).toBe(expected);
  });

  it.each([
    ['250', 250],
    ['250ms', 250],
    ['3s', 3000],
    ['0.5m', 30_000],
    ['x', undefined],
    ['5 minutes', undefined],
    ['', undefined],
  ])('parseDurationMs(%j) = %j', (raw, ms) => {
    expect(parseDurationMs(raw)).toBe(ms);
  });
});
