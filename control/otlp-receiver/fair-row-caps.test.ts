import { expect, test } from 'vitest';
import { fairRowCaps } from './fair-row-caps.ts';

test.each([
  ['under the cap: nobody is capped', { a: 10, b: 20 }, 100, {}],
  ['one burst beside a quiet tenant: the quiet one keeps all, the burst the rest', { quiet: 10, burst: 500 }, 100, { burst: 90 }],
  ['two bursts split what the quiet ones leave', { q: 5, b1: 400, b2: 300 }, 100, { b1: 48, b2: 47 }],
  ['equal bursts split evenly, the remainder by name', { b: 50, a: 50, c: 50 }, 100, { a: 34, b: 33, c: 33 }],
  ['a project exactly at its share keeps all', { a: 50, b: 70 }, 100, { b: 50 }],
  ['more projects than rows: the one row goes by name, the rest keep none', { a: 1, b: 5, c: 5 }, 1, { a: 1, b: 0, c: 0 }],
  ['the unattributed spans ("") are one more share', { '': 1000, p: 10 }, 100, { '': 90 }],
])('%s', (_name, counts, maxRows, expected) => {
  const caps = fairRowCaps(new Map(Object.entries(counts)), maxRows);
  expect(Object.fromEntries(caps)).toEqual(expected);
  // The caps and the uncapped counts never add up past the row cap.
  const kept = Object.entries(counts).reduce((n, [p, c]) => n + (caps.get(p) ?? c), 0);
  expect(kept).toBeLessThanOrEqual(Math.max(maxRows, 0));
});
