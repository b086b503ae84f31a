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
  ])('$name', ({ max, ops, kept }) => {
    const lru = new Lru<string, number>(max, byTenant);
    for (const op of ops) {
      if (op.startsWith('get ')) lru.get(op.slice(4));
      else lru.set(op, 1);
    }
    expect([...lru.entries()].map(([k]) => k).sort()).toEqual([...kept].sort());
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
