import { describe, expect, it } from 'vitest';
import { appendNumbers, concatNumbers, numberList, numbersOf, pushNumber } from './number-list.ts';

describe('a replay thread’s number list', () => {
  it('keeps every number in order across growth', () => {
    const l = numberList(2);
    const xs = Array.from({ length: 1000 }, (_, i) => i * 1.5 - 7);
    for (const x of xs) pushNumber(l, x);
    expect([...numbersOf(l)]).toEqual(xs);
  });

  it.each([
    ['both empty', [], []],
    ['into empty', [], [1, 2, 3]],
    ['from empty', [4, 5], []],
    ['past the capacity of both', Array.from({ length: 40 }, (_, i) => i), Array.from({ length: 90 }, (_, i) => -i)],
  ])('appends another list after its own: %s', (_name, a, b) => {
    const into = numberList(4);
    const from = numberList(4);
    for (const x of a) pushNumber(into, x);
    for (const x of b) pushNumber(from, x);
    appendNumbers(into, from);
    expect([...numbersOf(into)]).toEqual([...a, ...b]);
    expect([...numbersOf(from)]).toEqual(b);
  });

  it('survives a structured clone with its buffer moved, as a thread posts it', () => {
    const l = numberList(4);
    for (let i = 0; i < 10; i++) pushNumber(l, i / 3);
    const copy = structuredClone(l, { transfer: [l.buf.buffer as ArrayBuffer] });
    expect([...numbersOf(copy)]).toEqual(Array.from({ length: 10 }, (_, i) => i / 3));
  });
});

describe('concatenated number lists', () => {
  it.each([
    ['none', []],
    ['one empty', [[]]],
    ['one', [[1, 2]]],
    ['one among empties', [[], [3, 4], []]],
    ['three', [[1], [2, 3], [4, 5, 6]]],
  ])('hold every list’s numbers in order: %s', (_name, parts) => {
    const lists = parts.map((xs) => {
      const l = numberList(1);
      for (const x of xs) pushNumber(l, x);
      return l;
    });
    expect([...numbersOf(concatNumbers(lists))]).toEqual(parts.flat());
  });
});
