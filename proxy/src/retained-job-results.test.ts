import { describe, expect, it } from 'vitest';
import { RetainedResults } from './retained-job-results.ts';

const r = (id: string, bytes: number, expiresAt = 1_000) => ({ id, path: `/jobs/${id}.body`, bytes, expiresAt });

describe('RetainedResults', () => {
  it.each([
    { name: 'within budget: nothing deleted', adds: [['a', 4], ['a', 6]], evicted: [], left: { a: 10 } },
    { name: 'past budget: the app loses its own oldest first', adds: [['a', 4], ['a', 4], ['a', 4]], evicted: ['a1'], left: { a: 8 } },
    { name: 'one large result drops several old ones', adds: [['a', 3], ['a', 3], ['a', 3], ['a', 9]], evicted: ['a1', 'a2', 'a3'], left: { a: 9 } },
    { name: 'the newest result is kept even alone past the budget', adds: [['a', 12]], evicted: [], left: { a: 12 } },
    { name: "another app's results are never deleted", adds: [['b', 9], ['a', 6], ['a', 6]], evicted: ['a1'], left: { a: 6, b: 9 } },
  ])('$name', ({ adds, evicted, left }) => {
    const kept = new RetainedResults(10);
    const out: string[] = [];
    const seen = new Map<string, number>();
    for (const [app, bytes] of adds as Array<[string, number]>) {
      // Ids name the app and its n-th result: a1, a2, b1…
      seen.set(app, (seen.get(app) ?? 0) + 1);
      out.push(...kept.add(app, r(`${app}${seen.get(app) ?? 0}`, bytes)).map((e) => e.result.id));
    }
    expect(out).toEqual(evicted);
    for (const [app, bytes] of Object.entries(left)) expect(kept.bytesOf(app)).toBe(bytes);
  });

  it.each([
    { name: 'within the total: nothing deleted', adds: [['a', 4], ['b', 4]], evicted: [], left: { a: 4, b: 4 } },
    { name: 'past the total: the app holding most loses its oldest, not the small one', adds: [['a', 4], ['a', 4], ['b', 2], ['b', 3]], evicted: ['a1:total'], left: { a: 4, b: 5 } },
    { name: 'max-min fair: the largest keeps losing until it is no longer the largest', adds: [['a', 3], ['a', 3], ['a', 3], ['b', 2], ['c', 5]], evicted: ['a1:total', 'a2:total'], left: { a: 3, b: 2, c: 5 } },
    { name: 'max-min fair: a new result larger than what is left is its own app’s loss', adds: [['a', 3], ['a', 3], ['a', 3], ['b', 2], ['c', 7]], evicted: ['a1:total', 'c1:total'], left: { a: 6, b: 2, c: 0 } },
    { name: 'the result just stored goes when it alone makes its app the largest', adds: [['a', 8], ['b', 9]], evicted: ['b1:total'], left: { a: 8, b: 0 } },
    { name: 'the result just stored stays when another app holds more', adds: [['a', 5], ['a', 4], ['b', 4]], evicted: ['a1:total'], left: { a: 4, b: 4 } },
    { name: 'the app bound first, then the total', adds: [['a', 6], ['b', 5], ['b', 6], ['a', 2]], evicted: ['b1:app', 'a1:total'], left: { a: 2, b: 6 } },
    // The tenant is the project: its apps hold one share of the total.
    { name: "a project's many apps are one tenant: they lose, not another project that holds more than any one of them", adds: [['q/b', 5], ['p/a', 3], ['p/c', 3], ['p/d', 3], ['p/e', 3]], evicted: ['p/a1:total', 'p/c1:total'], left: { 'q/b': 5, 'p/a': 0, 'p/c': 0, 'p/d': 3, 'p/e': 3 } },
    { name: 'within the project holding the most, its app holding the most loses', adds: [['p/a', 6], ['p/b', 2], ['q/c', 5]], evicted: ['p/a1:total'], left: { 'p/a': 0, 'p/b': 2, 'q/c': 5 } },
  ])('total bound: $name', ({ adds, evicted, left }) => {
    const kept = new RetainedResults(10, 12);
    const out: string[] = [];
    const seen = new Map<string, number>();
    for (const [app, bytes] of adds as Array<[string, number]>) {
      seen.set(app, (seen.get(app) ?? 0) + 1);
      out.push(...kept.add(app, r(`${app}${seen.get(app) ?? 0}`, bytes)).map((e) => `${e.result.id}:${e.bound}`));
    }
    expect(out).toEqual(evicted);
    for (const [app, bytes] of Object.entries(left)) expect(kept.bytesOf(app)).toBe(bytes);
    expect(kept.bytes).toBeLessThanOrEqual(Math.max(12, ...adds.map(([, b]) => Number(b))));
  });

  it('results past their retention stop counting, so new ones fit again', () => {
    const kept = new RetainedResults(10);
    kept.add('a', r('old', 8, 100));
    kept.expire(100);
    expect(kept.bytesOf('a')).toBe(0);
    expect(kept.add('a', r('new', 8, 200))).toEqual([]);
  });

  it('many results stay bounded and are dropped in order', () => {
    const kept = new RetainedResults(5);
    const evicted: string[] = [];
    for (let i = 0; i < 1_000; i++) evicted.push(...kept.add('a', r(`j${i}`, 1, i)).map((e) => e.result.id));
    expect(evicted).toEqual(Array.from({ length: 995 }, (_, i) => `j${i}`));
    expect(kept.bytesOf('a')).toBe(5);
    kept.expire(997);
    expect(kept.bytesOf('a')).toBe(2);
  });

  // The results kept before a boot can be counted late (libSQL answered the primary only later):
  // they are older than every result counted since and must be the first to go.
  it.each([
    { name: 'late old results go in front: the oldest is deleted, never the new one', newer: [['n1', 4]], older: [['o2', 4], ['o1', 4]], evicted: ['o1'], left: 8 },
    { name: 'past the budget the oldest go, newest of the old kept with the new one', newer: [['n1', 6]], older: [['o3', 3], ['o2', 3], ['o1', 3]], evicted: ['o2', 'o1'], left: 9 },
    { name: 'within budget: nothing deleted', newer: [['n1', 2]], older: [['o1', 2]], evicted: [], left: 4 },
  ])('addOlder: $name', ({ newer, older, evicted, left }) => {
    const kept = new RetainedResults(10);
    const out: string[] = [];
    for (const [id, bytes] of newer as Array<[string, number]>) out.push(...kept.add('a', r(id, bytes, 2_000)).map((e) => e.result.id));
    // Newest of the old first, as the ledger loads them.
    for (const [id, bytes] of older as Array<[string, number]>) out.push(...kept.addOlder('a', r(id, bytes, 1_000)).map((e) => e.result.id));
    expect(out).toEqual(evicted);
    expect(kept.bytesOf('a')).toBe(left);
    // Order kept: expiring the old ones leaves the new.
    kept.expire(1_000);
    expect(kept.bytesOf('a')).toBe((newer as Array<[string, number]>).reduce((n, [, b]) => n + b, 0));
  });
});
