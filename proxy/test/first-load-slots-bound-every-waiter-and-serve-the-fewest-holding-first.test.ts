/**
 * The in-region first-load slots (refreshing-cache.ts FirstLoadSlots), driven directly. Waiters
 * were bounded per project and address only: a flood from many addresses (each IPv6 /64 its own)
 * queued without limit. All waiters together are now bounded too, refused past it as the
 * per-address bound refuses (`CacheBusy`, 503 `in-region-busy`), while the waiters already in line
 * keep their fair turns. A freed slot goes to the waiting address holding fewest, oldest first
 * among equals (picked in one pass now, no longer by sorting the line at each freed slot).
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { FirstLoadSlots } from '../src/refreshing-cache.ts';

const WAIT_MS = 1_000;

/** `take` of `group/client` and what it got; `give` of one and the waiters it let in, in order; `wait` lets time pass. */
type Step = { take: string; is: 'held' | 'waits' | 'refused' } | { give: string; grants: string[] } | { wait: number; refused: string[] };

interface Case {
  name: string;
  max: number;
  perClient?: number;
  total?: number;
  steps: Step[];
}

const split = (at: string): [string, string] => {
  const [group = '', client = ''] = at.split('/');
  return [group, client];
};

async function run({ max, perClient = 64, total, steps }: Case): Promise<void> {
  const slots = new FirstLoadSlots(max, WAIT_MS, perClient, total);
  let granted: string[] = [];
  let refused: string[] = [];
  for (const step of steps) {
    if ('take' in step) {
      const got = slots.take(...split(step.take));
      const is = got === true ? 'held' : got === false ? 'refused' : 'waits';
      expect(is, `take ${step.take}`).toBe(step.is);
      if (typeof got !== 'boolean') void got.then((ok) => (ok ? granted : refused).push(step.take));
    } else if ('give' in step) {
      slots.give(...split(step.give));
      await vi.advanceTimersByTimeAsync(0);
      expect(granted, `give ${step.give}`).toEqual(step.grants);
      granted = [];
    } else {
      await vi.advanceTimersByTimeAsync(step.wait);
      expect(refused, `after ${step.wait} ms`).toEqual(step.refused);
      refused = [];
    }
  }
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

it.each<Case>([
  {
    // Two slots: the flood's project alone holds one; three places to wait in all.
    name: 'past the total, a waiter from a new address is refused; the line already waiting and another project are served',
    max: 2,
    total: 3,
    steps: [
      { take: 'flood/a1', is: 'held' },
      { take: 'flood/a2', is: 'waits' },
      { take: 'flood/a3', is: 'waits' },
      { take: 'flood/a4', is: 'waits' },
      { take: 'flood/a5', is: 'refused' },
      // Another project's share still has room: it never waits, so the full line does not refuse it.
      { take: 'acme/c1', is: 'held' },
      { give: 'flood/a1', grants: ['flood/a2'] },
      // A place freed: the bound is on waiters now, not on every waiter ever.
      { take: 'flood/a6', is: 'waits' },
      { take: 'flood/a7', is: 'refused' },
      { give: 'flood/a2', grants: ['flood/a3'] },
      { give: 'flood/a3', grants: ['flood/a4'] },
      { give: 'flood/a4', grants: ['flood/a6'] },
    ],
  },
  {
    name: 'the total counts every project and address; waiters that time out give their places back',
    max: 2,
    total: 2,
    steps: [
      { take: 'x/a', is: 'held' },
      { take: 'y/b', is: 'held' },
      { take: 'x/c', is: 'waits' },
      { take: 'y/d', is: 'waits' },
      { take: 'z/e', is: 'refused' },
      { wait: WAIT_MS, refused: ['x/c', 'y/d'] },
      { take: 'z/e', is: 'waits' },
      { give: 'y/b', grants: ['z/e'] },
    ],
  },
  {
    name: 'the bound per project and address still refuses first',
    max: 1,
    perClient: 2,
    total: 10,
    steps: [
      { take: 'p/a', is: 'held' },
      { take: 'p/a', is: 'waits' },
      { take: 'p/a', is: 'waits' },
      { take: 'p/a', is: 'refused' },
      { take: 'p/b', is: 'waits' },
      // The holder's own address holds none once it gives back: its oldest waiter goes first.
      { give: 'p/a', grants: ['p/a'] },
      { give: 'p/a', grants: ['p/a'] },
      { give: 'p/a', grants: ['p/b'] },
    ],
  },
  {
    // Eight slots: p alone holds four, all a's; b and c wait behind a's own waiters.
    name: 'a freed slot goes to the waiting address holding fewest, the oldest among equals',
    max: 8,
    steps: [
      { take: 'p/a', is: 'held' },
      { take: 'p/a', is: 'held' },
      { take: 'p/a', is: 'held' },
      { take: 'p/a', is: 'held' },
      { take: 'p/a', is: 'waits' },
      { take: 'p/b', is: 'waits' },
      { take: 'p/a', is: 'waits' },
      { take: 'p/c', is: 'waits' },
      { take: 'p/b', is: 'waits' },
      // a holds 3, b and c none: b is older than c.
      { give: 'p/a', grants: ['p/b'] },
      // a 2, b 1, c none.
      { give: 'p/a', grants: ['p/c'] },
      // a, b, c hold one each: a's waiter is the oldest.
      { give: 'p/a', grants: ['p/a'] },
      // b holds none again: its second waiter, though younger than a's.
      { give: 'p/b', grants: ['p/b'] },
      // a holds 2 of p's 4 beside b: its part of p's share is full, so nobody.
      { give: 'p/c', grants: [] },
      { give: 'p/a', grants: ['p/a'] },
    ],
  },
  {
    // Four slots: x alone may take two; y then one of its third.
    name: 'a waiter holding fewer whose project is at its share is passed over for one whose project has room',
    max: 4,
    steps: [
      { take: 'x/a', is: 'held' },
      { take: 'x/a', is: 'held' },
      { take: 'y/b', is: 'held' },
      { take: 'x/c', is: 'waits' },
      { take: 'y/b', is: 'held' },
      { take: 'y/b', is: 'waits' },
      { take: 'x/a', is: 'waits' },
      // y's b holds 1 of y's share, x's c none but x is at its share: b goes.
      { give: 'y/b', grants: ['y/b'] },
      { give: 'x/a', grants: ['x/c'] },
      { give: 'x/c', grants: ['x/a'] },
    ],
  },
])('$name', run);
