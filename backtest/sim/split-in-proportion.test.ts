import { describe, expect, it } from 'vitest';
import { splitInProportion } from './split-in-proportion.ts';

describe('splitInProportion', () => {
  const cases: { name: string; total: number; counts: number[]; start: number; want: number[] }[] = [
    { name: 'room for all: everyone gets its count', total: 100, counts: [85, 14, 1], start: 0, want: [85, 14, 1] },
    { name: 'half the room: half of each, remainder from start', total: 50, counts: [85, 14, 1], start: 0, want: [43, 7, 0] },
    { name: 'remainder goes round from the start class', total: 50, counts: [85, 14, 1], start: 2, want: [42, 7, 1] },
    { name: 'no room: nobody starts', total: 0, counts: [5, 5, 5], start: 1, want: [0, 0, 0] },
    { name: 'one slot, start class gets it', total: 1, counts: [3, 3, 3], start: 1, want: [0, 1, 0] },
    { name: 'start class empty: the next one with requests', total: 1, counts: [3, 0, 3], start: 1, want: [0, 0, 1] },
    { name: 'fractional room counts whole units only', total: 2.7, counts: [2, 2], start: 0, want: [1, 1] },
    { name: 'nothing arrived', total: 10, counts: [0, 0], start: 0, want: [0, 0] },
  ];
  it.each(cases)('$name', ({ total, counts, start, want }) => {
    const out = new Float64Array(counts.length);
    splitInProportion(total, counts, start, out);
    expect(Array.from(out)).toEqual(want);
    const sum = Array.from(out).reduce((a, b) => a + b, 0);
    expect(sum).toBe(Math.min(Math.floor(total), counts.reduce((a, b) => a + b, 0)));
  });
});
