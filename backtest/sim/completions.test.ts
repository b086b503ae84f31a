import { describe, expect, it } from 'vitest';
import { DueCompletions, FreeingOrder } from './completions.ts';

type Pair = readonly [at: number, n: number];

/**
 * Frees a tick's book up to `until` in time order, the way the simulator does; `startsOnFree`
 * says what each freed slot starts (a completion `dt` ms later, as a queued request would book).
 */
function free(book: readonly Pair[], until: number, startsOnFree: (at: number) => Pair | null): { freed: Pair[]; left: Pair[]; later: Pair[] } {
  const b = new DueCompletions();
  for (const [at, n] of book) b.add(at, n);
  const order = new FreeingOrder(until);
  b.take(until, (at, n) => order.add(at, n));
  const freed: Pair[] = [];
  const later: Pair[] = [];
  while (order.next()) {
    freed.push([order.at, order.n]);
    const next = startsOnFree(order.at);
    if (next !== null && !order.offer(next[0], next[1])) later.push(next);
  }
  const left: Pair[] = [];
  b.take(Infinity, (at, n) => left.push([at, n]));
  return { freed, left, later };
}

describe('completions free their slots at their exact time, in order', () => {
  it.each<{ name: string; book: Pair[]; until: number; starts?: (at: number) => Pair | null; freed: Pair[]; left?: Pair[]; later?: Pair[] }>([
    // The brief's case: the one busy slot frees at 1.2 s; the request queued at the 1 s tick starts then (waits 200 ms, not 1 s).
    { name: 'one slot busy until 1.2 s frees at 1.2 s', book: [[1200, 1]], until: 2000, freed: [[1200, 1]] },
    { name: 'out of booking order, freed by time', book: [[1900, 2], [1100, 1], [1500, 3]], until: 2000, freed: [[1100, 1], [1500, 3], [1900, 2]] },
    { name: 'a start-up at 1.5 s frees only what finished before it', book: [[1900, 2], [1100, 1], [1500, 3]], until: 1500, freed: [[1100, 1], [1500, 3]], left: [[1900, 2]] },
    {
      name: 'a request that starts on a freed slot and finishes within the tick frees it in turn',
      book: [[1100, 1], [1800, 1]],
      until: 2000,
      starts: (at) => (at === 1100 ? [1300, 1] : null),
      freed: [[1100, 1], [1300, 1], [1800, 1]],
    },
    {
      name: 'one that finishes after the tick waits for its own tick',
      book: [[1100, 1]],
      until: 2000,
      starts: (at) => (at === 1100 ? [2400, 1] : null),
      freed: [[1100, 1]],
      later: [[2400, 1]],
    },
    {
      name: 'at equal times the tick\'s own completions go before those booked while freeing',
      book: [[1100, 1], [1300, 5]],
      until: 2000,
      starts: (at) => (at === 1100 ? [1300, 1] : null),
      freed: [[1100, 1], [1300, 5], [1300, 1]],
    },
    { name: 'equal times keep booking order', book: [[1400, 1], [1400, 2]], until: 2000, freed: [[1400, 1], [1400, 2]] },
  ])('$name', ({ book, until, starts, freed, left = [], later = [] }) => {
    const r = free(book, until, starts ?? (() => null));
    expect(r.freed).toEqual(freed);
    expect(r.left).toEqual(left);
    expect(r.later).toEqual(later);
  });

  it('keeps the total of what is still due', () => {
    const b = new DueCompletions();
    b.add(1200, 3);
    b.add(1700, 4);
    expect(b.total).toBe(7);
    b.take(1500, () => undefined);
    expect(b.total).toBe(4);
  });
});
