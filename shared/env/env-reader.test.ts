import { describe, expect, it } from 'vitest';
import { EnvReader, formatConfigErrors } from './env-reader.ts';
import { integer, numberInRange } from './field-parsers.ts';

describe('EnvReader', () => {
  it('uses defaults for unset (or blank) variables and parsed values for set ones', () => {
    const r = new EnvReader({ A: '3', C: '', D: '  ' });
    const value = {
      a: r.read('A', integer(0, 9), 1),
      b: r.read('B', integer(0, 9), 2),
      c: r.read('C', integer(0, 9), 4),
      d: r.read('D', integer(0, 9), 5),
    };
    expect(r.finish(value)).toEqual({ ok: true, value: { a: 3, b: 2, c: 4, d: 5 } });
    expect([r.has('A'), r.has('B'), r.has('C')]).toEqual([true, false, false]);
  });

  it('reports every invalid variable at once, with precise messages', () => {
    const r = new EnvReader({ ROUTE_WEIGHT_LATENCY: 'abc', B: '-3', C: '5' });
    r.read('ROUTE_WEIGHT_LATENCY', numberInRange(0, 10), 1);
    r.read('B', integer(0, 9), 1);
    r.read('C', integer(0, 9), 1);
    r.fail('C/D', 'C must be below D', '5');
    const result = r.finish({});
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          variable: 'ROUTE_WEIGHT_LATENCY',
          value: 'abc',
          message: 'ROUTE_WEIGHT_LATENCY="abc": expected a number between 0 and 10',
        },
        { variable: 'B', value: '-3', message: 'B="-3": expected an integer between 0 and 9' },
        { variable: 'C/D', value: '5', message: 'C must be below D' },
      ],
    });
    if (!result.ok) expect(formatConfigErrors(result.errors).split('\n')).toHaveLength(3);
  });
});
