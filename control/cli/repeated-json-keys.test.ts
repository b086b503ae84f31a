import { describe, expect, it } from 'vitest';
import { repeatedJsonKeys } from './repeated-json-keys.ts';

describe('repeatedJsonKeys', () => {
  it.each<[string, string, string[]]>([
    ['a pino line with a key bound and logged again', '{"level":30,"component":"aggregator","cluster":"c1","cluster":"c1","msg":"x"}', ['cluster']],
    ['each key once', '{"level":30,"cluster":"c1","msg":"x"}', []],
    ['the same key in nested objects', '{"a":{"a":1},"b":[{"a":1},{"a":2}]}', []],
    ['a key repeated inside a nested object', '{"a":{"b":1, "b" :2}}', ['b']],
    ['a key-like text inside a string value', '{"msg":"\\"cluster\\":1","cluster":1}', []],
    ['a string array beside an object key', '{"apps":["a","a"],"a":1}', []],
  ])('%s', (_name, line, expected) => {
    expect(repeatedJsonKeys(line)).toEqual(expected);
  });
});
