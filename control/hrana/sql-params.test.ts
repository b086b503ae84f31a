import { describe, expect, test } from 'vitest';
import { scanSqlParams } from './sql-params.ts';

describe('scanSqlParams', () => {
  test.each([
    { sql: 'SELECT 1', count: 0, names: [], named: {} },
    { sql: 'SELECT ?, ?', count: 2, names: [null, null], named: {} },
    { sql: 'SELECT ?3', count: 3, names: [null, null, '?3'], named: {} },
    { sql: 'SELECT ?2, ?', count: 3, names: [null, '?2', null], named: {} },
    {
      sql: 'SELECT :a, @b, $c, :a',
      count: 3,
      names: [':a', '@b', '$c'],
      named: { ':a': 1, '@b': 2, $c: 3 },
    },
    { sql: 'SELECT :a, ?', count: 2, names: [':a', null], named: { ':a': 1 } },
    { sql: "SELECT '?', ':x', \"?\", `:y`, [?]", count: 0, names: [], named: {} },
    { sql: "SELECT 'it''s ?', ?", count: 1, names: [null], named: {} },
    { sql: 'SELECT 1 -- ? :x\n, ?', count: 1, names: [null], named: {} },
    { sql: 'SELECT /* ? :x */ ?', count: 1, names: [null], named: {} },
    {
      sql: 'SELECT a$b, $a::b(x y), :ü',
      count: 2,
      names: ['$a::b(x y)', ':ü'],
      named: { '$a::b(x y)': 1, ':ü': 2 },
    },
    { sql: 'SELECT x::y', count: 1, names: [':y'], named: { ':y': 1 } },
    { sql: "SELECT 'unterminated ?", count: 0, names: [], named: {} },
  ])('$sql', ({ sql, count, names, named }) => {
    const got = scanSqlParams(sql);
    expect(got.count).toBe(count);
    expect(got.names).toEqual(names);
    expect(Object.fromEntries(got.byName)).toEqual(named);
  });
});
