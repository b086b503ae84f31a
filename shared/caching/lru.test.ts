import { describe, expect, it } from 'vitest';
import { Lru } from './lru.ts';

describe('Lru', () => {
  it('evicts the least recently used entry', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now most recent
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.size]).toEqual([1, undefined, 3, 2]);
  });
  it.each([0, -1, 1.5])('refuses size %s', (n) => {
    expect(() => new Lru(n)).toThrow(RangeError);
  });
});

// Entries named `<tenant>/<n>`: the group is the tenant. One tenant with more entries in use than
// the cache holds used to evict everyone's; now it loses its own first.
describe('Lru with groups (max-min fair between tenants)', () => {
  const byTenant = (key: string): string => key.slice(0, key.indexOf('/'));
  it.each([
    { name: 'a tenant flooding new entries evicts only its own', max: 4, ops: ['b/1', 'a/1', 'a/2', 'a/3', 'a/4', 'a/5', 'a/6'], kept: ['b/1', 'a/4', 'a/5', 'a/6'] },
    { name: 'the larger tenant loses its least recently used, even when a smaller one is older', max: 3, ops: ['b/1', 'a/1', 'a/2', 'c/1'], kept: ['b/1', 'a/2', 'c/1'] },
    { name: 'equal tenants: the oldest entry goes, as a plain LRU', max: 2, ops: ['a/1', 'b/1', 'c/1'], kept: ['b/1', 'c/1'] },
    { name: 'use keeps an entry: the tenant loses its other one', max: 3, ops: ['a/1', 'a/2', 'b/1', 'get a/1', 'a/3'], kept: ['a/1', 'b/1', 'a/3'] },
    { name: 'a re-set entry moves and stays in its group once', max: 3, ops: ['a/1', 'a/1', 'b/1', 'b/2', 'c/1'], kept: ['a/1', 'b/2', 'c/1'] },
    { name: 'a tie at the top: the inserting tenant pays, even with the older entry elsewhere', max: 3, ops: ['b/1', 'b/2', 'a/1', 'get b/1', 'a/2'], kept: ['b/1', 'b/2', 'a/2'] },
    { name: 'a tie not involving the inserter: the group that reached that size first pays', max: 5, ops: ['a/1', 'a/2', 'b/1', 'b/2', 'c/1', 'get a/1', 'd/1'], kept: ['a/1', 'b/1', 'b/2', 'c/1', 'd/1'] },
  ])('$name', ({ max, ops, kept }) => {
    const lru = new Lru<string, number>(max, byTenant);
    for (const op of ops) {
      if (op.startsWith('get ')) lru.get(op.slice(4));
      else lru.set(op, 1);
    }
    expect([...lru.entries()].map(([k]) => k).sort()).toEqual([...kept].sort());
  });

  it("a flooding tenant never costs a steady tenant at exactly its fair share an entry (ties went against the steady one)", () => {
    const lru = new Lru<string, number>(3, byTenant);
    const use = (k: string): boolean => (lru.get(k) === undefined ? (lru.set(k, 1), true) : false);
    use('b/1');
    use('b/2');
    let bMisses = 0;
    for (let i = 0; i < 100; i++) {
      use(`a/${i}`);
      if (use(`b/${(i % 2) + 1}`)) bMisses++;
    }
    expect(bMisses).toBe(0);
  });

  it('evicts by its rule through random sets, gets, deletes and clears', () => {
    let seed = 7;
    // An LCG's high bits (its low bits cycle with short periods).
    const rnd = (n: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
    for (let run = 0; run < 300; run++) {
      const max = 1 + rnd(6);
      const lru = new Lru<string, number>(max, byTenant);
      for (let op = 0; op < 80; op++) {
        const k = `${'abcd'[rnd(4)] as string}/${rnd(5)}`;
        const r = rnd(20);
        if (r < 12) {
          const before = [...lru.entries()].map(([key]) => key).filter((key) => key !== k);
          lru.set(k, 1);
          const after = new Set([...lru.entries()].map(([key]) => key));
          const gone = before.filter((key) => !after.has(key));
          if (before.length + 1 <= max) expect(gone).toEqual([]);
          else {
            // What the rule says: the largest groups (counting the new entry); the inserter among them pays,
            // and with one entry per group the oldest entry of all goes. Within its group, its oldest.
            const sizes = new Map<string, number>();
            for (const key of [...before, k]) sizes.set(byTenant(key), (sizes.get(byTenant(key)) ?? 0) + 1);
            const top = Math.max(...sizes.values());
            expect(gone).toHaveLength(1);
            const g = byTenant(gone[0] as string);
            if (top === 1) expect(gone[0]).toBe(before[0]);
            else {
              expect(sizes.get(g)).toBe(top);
              if (sizes.get(byTenant(k)) === top) expect(g).toBe(byTenant(k));
              expect(gone[0]).toBe(before.find((key) => byTenant(key) === g));
            }
          }
        } else if (r < 16) lru.get(k);
        else if (r < 19) lru.delete(k);
        else lru.clear();
        expect(lru.size).toBeLessThanOrEqual(max);
      }
    }
  });

  it('deletes and clears its groups with its entries', () => {
    const lru = new Lru<string, number>(2, byTenant);
    lru.set('a/1', 1);
    lru.set('a/2', 1);
    lru.delete('a/1');
    lru.set('b/1', 1);
    lru.set('b/2', 1); // a holds 1, b 2: b loses b/1
    expect([...lru.entries()].map(([k]) => k)).toEqual(['a/2', 'b/2']);
    lru.clear();
    lru.set('c/1', 1);
    expect(lru.size).toBe(1);
  });
});
