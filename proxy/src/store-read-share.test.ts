import { describe, expect, it } from 'vitest';
import { StoreReadShare, type ShareRefusal } from './store-read-share.ts';

type Step = readonly [key: string, expected: 'ok' | ShareRefusal];

/** Acquires in order (never releasing) and returns each verdict. */
function run(slots: number, steps: readonly Step[]): Array<'ok' | ShareRefusal> {
  const share = new StoreReadShare(slots);
  return steps.map(([key]) => {
    const v = share.acquire(key);
    return typeof v === 'function' ? 'ok' : v;
  });
}

describe('StoreReadShare (4 slots)', () => {
  it.each<[string, readonly Step[]]>([
    ['a lone key holds at most half', [['a', 'ok'], ['a', 'ok'], ['a', 'over-share']]],
    ['a second key still gets in while the first floods', [['a', 'ok'], ['a', 'ok'], ['a', 'over-share'], ['b', 'ok'], ['b', 'ok'], ['b', 'full']]],
    ['past the slots everyone is refused, newcomers too', [['a', 'ok'], ['a', 'ok'], ['b', 'ok'], ['b', 'ok'], ['c', 'full']]],
    ['three keys: the newcomer gets in, the heavy ones wait', [['a', 'ok'], ['a', 'ok'], ['b', 'ok'], ['c', 'ok'], ['a', 'full']]],
    ['four keys: one each, the fifth read is refused', [['a', 'ok'], ['b', 'ok'], ['c', 'ok'], ['d', 'ok'], ['a', 'full']]],
  ])('%s', (_name, steps) => {
    expect(run(4, steps)).toEqual(steps.map(([, v]) => v));
  });

  it('gives a slot back once, however often it is released', () => {
    const share = new StoreReadShare(2);
    const release = share.acquire('a');
    if (typeof release !== 'function') throw new Error('refused');
    expect(share.acquire('a')).toBe('over-share');
    release();
    release();
    expect(share.held).toBe(0);
    expect(typeof share.acquire('a')).toBe('function');
    expect(typeof share.acquire('b')).toBe('function');
    expect(share.acquire('c')).toBe('full');
  });

  it('one slot: a lone key may still read', () => {
    expect(run(1, [['a', 'ok'], ['a', 'full'], ['b', 'full']])).toEqual(['ok', 'full', 'full']);
  });
});
