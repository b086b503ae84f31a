import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.ts';
import { Random } from './random.ts';

describe('EventQueue', () => {
  it.each([
    { name: 'by time', input: [[3, 0], [1, 0], [2, 0]], order: [1, 2, 0] },
    { name: 'priority breaks time ties', input: [[5, 2], [5, 0], [5, 1]], order: [1, 2, 0] },
    { name: 'insertion order breaks full ties', input: [[5, 1], [5, 1], [5, 1]], order: [0, 1, 2] },
  ])('orders $name', ({ input, order }) => {
    const q = new EventQueue<number>();
    input.forEach(([at, pr], i) => q.push(at ?? 0, pr ?? 0, i));
    const out: number[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.payload);
    expect(out).toEqual(order);
  });

  it('pops 10k random events in sorted order', () => {
    const q = new EventQueue<number>();
    const rnd = new Random('heap');
    for (let i = 0; i < 10_000; i++) q.push(Math.floor(rnd.next() * 1000), 0, i);
    let prev = -1;
    let count = 0;
    for (let e = q.pop(); e !== undefined; e = q.pop()) {
      expect(e.at).toBeGreaterThanOrEqual(prev);
      prev = e.at;
      count++;
    }
    expect(count).toBe(10_000);
  });
});
