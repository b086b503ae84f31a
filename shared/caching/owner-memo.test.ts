import { describe, expect, it } from 'vitest';
import { OwnerMemo } from './owner-memo.ts';

describe('OwnerMemo', () => {
  it.each([
    ['a plain object', (): object => ({ a: 1 })],
    ['a typed array', (): object => new Float64Array(3)],
    ['a frozen object (falls back to a weak map)', (): object => Object.freeze({ a: 1 })],
  ])('remembers per owner on %s, and replaces a value', (_name, make) => {
    const memo = new OwnerMemo<object, string>('test');
    const a = make();
    const b = make();
    expect(memo.get(a)).toBeUndefined();
    memo.set(a, 'x');
    expect(memo.get(a)).toBe('x');
    expect(memo.has(b)).toBe(false);
    memo.set(a, 'y');
    expect(memo.get(a)).toBe('y');
  });

  it('is invisible to JSON, spreads, key listings and other memos', () => {
    const owner = { app: 'acme/chat', n: 2 };
    const memo = new OwnerMemo<object, object>('compiled');
    const other = new OwnerMemo<object, object>('compiled');
    memo.set(owner, { big: true });
    expect(JSON.stringify(owner)).toBe('{"app":"acme/chat","n":2}');
    expect(Object.keys(owner)).toEqual(['app', 'n']);
    expect({ ...owner }).toEqual({ app: 'acme/chat', n: 2 });
    // A spread copy is a new value: it must not carry the original's memo.
    expect(memo.get({ ...owner })).toBeUndefined();
    expect(other.get(owner)).toBeUndefined();
  });
});
