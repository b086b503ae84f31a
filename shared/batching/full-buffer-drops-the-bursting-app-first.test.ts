/**
 * One bounded buffer holds every app's decision rows (edge isolate: 1,000; in-region: 10,000).
 * When it is full, the app with the most rows buffered loses one — not whichever app's row
 * arrives next — so app A's burst cannot drop app B's rows (B's outcomes would then count for no
 * app). Before, a full buffer dropped every arriving row, B's included.
 */
import { describe, expect, it } from 'vitest';
import { WriteBuffer } from './write-buffer.ts';

interface Row {
  readonly app: string;
  readonly n: number;
}

const opts = { max: 10, batch: 5, baseBackoffMs: 100, maxBackoffMs: 1_000, key: (r: Row) => r.app };

/** Pushes `arrivals` (an app name per row) in order; returns what is buffered per app and dropped per app. */
function run(arrivals: string): { kept: Record<string, number>; droppedByKey: Record<string, number> | undefined } {
  const b = new WriteBuffer<Row>(opts);
  [...arrivals].forEach((app, n) => b.push({ app, n }));
  const all: Row[] = [];
  for (let rows = b.begin(0); rows !== null; rows = b.begin(0)) {
    all.push(...rows);
    b.succeeded(rows);
  }
  const kept: Record<string, number> = {};
  for (const r of all) kept[r.app] = (kept[r.app] ?? 0) + 1;
  return { kept, droppedByKey: b.stats().droppedByKey };
}

describe('a full buffer drops from the app with the most rows buffered', () => {
  it.each([
    // arrivals (one letter per row)        kept per app                 dropped per app
    ['aaaaaaaaaaaaaaaaaaaab', /* A fills, then B */ { a: 9, b: 1 }, { a: 11 }],
    ['baaaaaaaaaaaaaaaaaaaab', /* B before and after A's burst */ { a: 8, b: 2 }, { a: 12 }],
    ['aaaaaaaaaabbbbbbbbbb', /* A, then B's own burst */ { a: 5, b: 5 }, { a: 5, b: 5 }],
    ['aaaaabbbbbc', /* tie: the arriving app is not heaviest */ { a: 4, b: 5, c: 1 }, { a: 1 }],
    ['abababababab', /* even: the arriving row is the one dropped */ { a: 5, b: 5 }, { a: 1, b: 1 }],
    ['aaaaaaaaaa', /* exactly full: nothing dropped */ { a: 10 }, {}],
  ])('%s → kept %o, dropped %o', (arrivals, kept, dropped) => {
    const r = run(arrivals);
    expect(r.kept).toEqual(kept);
    expect(r.droppedByKey).toEqual(dropped);
  });

  it("keeps B's rows through a failed write of A's batch put back", () => {
    const b = new WriteBuffer<Row>(opts);
    for (let n = 0; n < 10; n++) b.push({ app: 'a', n });
    const inFlight = b.begin(0) ?? [];
    for (let n = 0; n < 3; n++) b.push({ app: 'b', n });
    for (let n = 10; n < 20; n++) b.push({ app: 'a', n });
    b.failed(inFlight, 0, 0);
    const held: Row[] = [];
    for (let rows = b.begin(1_000); rows !== null; rows = b.begin(1_000)) {
      held.push(...rows);
      b.succeeded(rows);
    }
    // 23 rows offered, 10 kept: all 3 of B's, and A's oldest (the failed batch first, in order).
    expect(held.filter((r) => r.app === 'b')).toHaveLength(3);
    expect(held.filter((r) => r.app === 'a').map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(b.stats()).toMatchObject({ buffered: 0, dropped: 13, droppedByKey: { a: 13 } });
  });

  it('without a key, a full buffer still drops the arriving row (the outcome reporter)', () => {
    const b = new WriteBuffer<Row>({ ...opts, key: undefined });
    for (let n = 0; n < 12; n++) b.push({ app: n < 10 ? 'a' : 'b', n });
    expect(b.stats()).toEqual({ buffered: 10, written: 0, dropped: 2, failures: 0, consecutiveFailures: 0 });
  });
});

describe('a full buffer with many apps', () => {
  // The heaviest app's rows first, then 4,000 one-row apps: each push into the full buffer used to
  // scan every app for the heaviest and then every row after its newest (key() on each), so a
  // request's outcome cost O(rows) once libSQL was down. Now a push asks for its own key once.
  it('drops the heaviest app’s newest rows, asks each arriving row for its key once, and writes each app’s rows in arrival order', () => {
    let keyCalls = 0;
    const b = new WriteBuffer<Row>({ max: 10_000, batch: 500, baseBackoffMs: 100, maxBackoffMs: 1_000, key: (r) => (keyCalls++, r.app) });
    let n = 0;
    for (let i = 0; i < 6_000; i++) b.push({ app: 'heavy', n: n++ });
    for (let i = 0; i < 4_000; i++) b.push({ app: `small-${i}`, n: n++ });
    // A failed write puts its batch back (the heaviest's oldest rows, still first in line).
    const inFlight = b.begin(0) ?? [];
    for (let i = 0; i < 500; i++) b.push({ app: `late-${i}`, n: n++ });
    b.failed(inFlight, 0, 0);
    keyCalls = 0;
    for (let i = 0; i < 3_000; i++) b.push({ app: `new-${i}`, n: n++ });
    expect(keyCalls).toBe(3_000);

    const written: Row[] = [];
    for (let rows = b.begin(1_000); rows !== null; rows = b.begin(1_000)) {
      written.push(...rows);
      b.succeeded(rows);
    }
    const heavy = written.filter((r) => r.app === 'heavy');
    // 13,500 rows offered, 10,000 kept: the heavy app lost its 3,500 newest, no other app lost any.
    expect(written).toHaveLength(10_000);
    expect(heavy.map((r) => r.n)).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
    expect(written.filter((r) => r.app !== 'heavy')).toHaveLength(7_500);
    expect(b.stats()).toMatchObject({ buffered: 0, dropped: 3_500, droppedByKey: { heavy: 3_500 } });
    // Each app's rows in arrival order (apps take turns: keys-take-turns-in-each-write.test.ts).
    const last = new Map<string, number>();
    for (const r of written) {
      expect(r.n).toBeGreaterThan(last.get(r.app) ?? -1);
      last.set(r.app, r.n);
    }
  });
});
